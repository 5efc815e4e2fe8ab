"""length_penalty: DAPO overlong boundaries, length units, group verbosity, params."""
from __future__ import annotations

import pytest

from rewards.length import LengthPenalty, row_length

OVERLONG = [  # n tokens with max_len=128, buffer=32 (ramp from 96 to 128)
    (0, 0.0), (10, 0.0), (96, 0.0), (97, -1 / 32), (104, -0.25), (112, -0.5), (127, -31 / 32), (128, -1.0), (500, -1.0),
]


@pytest.mark.parametrize("n,expected", OVERLONG)
def test_overlong_soft_penalty(n, expected):
    r = LengthPenalty(max_len=128, buffer=32)([{"completion": "x", "completion_tokens": n}])[0]
    assert r.score == pytest.approx(expected)
    assert r.components == {"overlong": pytest.approx(expected), "verbosity": 0.0}
    assert r.status == "ok" and r.info["length"] == n


@pytest.mark.parametrize("n,expected", [(99, 0.0), (100, 0.0), (101, -1.0)])
def test_zero_buffer_is_a_hard_cliff(n, expected):
    assert LengthPenalty(max_len=100, buffer=0)([{"completion_tokens": n}])[0].score == expected


UNITS = [  # unit, row, length
    ("tokens", {"completion": "a" * 40, "completion_tokens": 3}, 3),  # the engine's count wins
    ("tokens", {"completion": "a" * 41}, 11),  # estimate: ceil(chars / 4)
    ("chars", {"completion": "hello world", "completion_tokens": 3}, 11),
    ("words", {"completion": "one two\nthree  four", "completion_tokens": 3}, 4),
    ("words", {"completion": [{"role": "assistant", "content": "one two"}]}, 2),
    ("tokens", {"completion": None}, 0),
]


@pytest.mark.parametrize("unit,row,length", UNITS)
def test_length_units(unit, row, length):
    assert row_length(row, unit) == length
    assert LengthPenalty(unit=unit)([row])[0].info["length"] == length


def _rows(*specs, key="id"):
    return [{key: k, "completion_tokens": n, "_correct": c} if key == "id" else
            {"prompt": k, "completion_tokens": n, "_correct": c} for k, n, c in specs]


VERBOSITY = [  # rows (group, tokens, _correct), weight, expected scores
    (_rows(("p", 10, True), ("p", 20, True), ("p", 5, False), ("q", 40, True)), 0.5, [0.0, -0.5, 0.0, 0.0]),
    (_rows(("p", 10, True), ("p", 15, True)), 1.0, [0.0, -0.5]),
    (_rows(("p", 10, True), ("p", 50, True)), 1.0, [0.0, -1.0]),  # clipped at -1
    (_rows(("p", 10, True), ("p", 20, True)), 0.0, [0.0, 0.0]),  # off by default
    (_rows(("p", 10, None), ("p", 20, None)), 1.0, [0.0, 0.0]),  # correctness unknown: skipped
    (_rows(("p", 10, False), ("p", 20, False)), 1.0, [0.0, 0.0]),  # no correct answer in the group
    (_rows(("same prompt", 10, True), ("same prompt", 20, True), ("other", 30, True), key="prompt"), 1.0, [0.0, -1.0, 0.0]),
    ([{"completion_tokens": 10, "_correct": True}, {"completion_tokens": 30, "_correct": True}], 1.0, [0.0, 0.0]),  # no group key
]


@pytest.mark.parametrize("rows,weight,expected", VERBOSITY)
def test_verbosity_relative_to_shortest_correct_in_group(rows, weight, expected):
    out = LengthPenalty(max_len=1000, buffer=100, verbosity_weight=weight)(rows)
    assert [r.score for r in out] == pytest.approx(expected)
    assert [r.components["verbosity"] for r in out] == pytest.approx(expected)


def test_parts_sum_and_clip_to_minus_one():
    rows = _rows(("p", 10, True), ("p", 110, True), ("p", 115, True))
    out = LengthPenalty(max_len=120, buffer=20, verbosity_weight=0.05)(rows)
    assert out[1].components == pytest.approx({"overlong": -0.5, "verbosity": -0.5})
    assert out[1].score == pytest.approx(-1.0)
    assert out[2].components["overlong"] == pytest.approx(-0.75) and out[2].score == -1.0


def test_unknown_correctness_is_reported():
    out = LengthPenalty(verbosity_weight=0.5)([{"id": "p", "completion_tokens": 3}])
    assert "skipped" in out[0].info["verbosity"]


BAD = [
    ({"max_len": 0}, ValueError, "max_len"), ({"max_len": 10, "buffer": 20}, ValueError, "buffer"),
    ({"buffer": -1}, ValueError, "buffer"), ({"unit": "bytes"}, ValueError, "unit"),
    ({"verbosity_weight": -0.1}, ValueError, "verbosity_weight"), ({"max_len": "512"}, TypeError, "max_len"),
    ({"max_len": 512.5}, TypeError, "max_len"), ({"buffer": True}, TypeError, "buffer"),
    ({"verbosity_weight": "0.1"}, TypeError, "verbosity_weight"), ({"max_tokens": 5}, TypeError, "max_tokens"),
]


@pytest.mark.parametrize("params,exc,name", BAD)
def test_bad_params_name_the_param(params, exc, name):
    with pytest.raises(exc, match=name):
        LengthPenalty(**params)
