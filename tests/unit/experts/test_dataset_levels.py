"""Difficulty levels of the generated domains (math, logic): each level draws only its kinds of
problem, the default is unchanged, held-out splits stay disjoint, bad values name the field.

    .venv/bin/python -m pytest -q tests/unit/experts/test_dataset_levels.py -p no:cacheprovider
"""
from __future__ import annotations

import re

import pytest

from experts.datasets import DataSourceError, load_rows

SINGLE_ADD = re.compile(r"^What is \d \+ \d\?$")
EASY_MATH = re.compile(r"^What is (\d \+ \d|\d - \d|\d{1,2} \+ \d{1,2})\?$")
TWO_OPS = re.compile(r"^What is \d+ (\+ \d+ -|\* \d+ \+) \d+\?$")


def _prompts(domain, difficulty, split="train", n=60, seed=0):
    return [r["prompt"] for r in load_rows(domain, split, n, seed, difficulty=difficulty)]


def test_math_levels_draw_only_their_problems():
    assert all(SINGLE_ADD.match(p) for p in _prompts("math", 1))
    assert all(EASY_MATH.match(p) for p in _prompts("math", "easy"))
    assert all(TWO_OPS.match(p) for p in _prompts("math", 5))
    hard = _prompts("math", "hard")
    assert any(TWO_OPS.match(p) for p in hard) and not any(SINGLE_ADD.match(p) for p in hard)
    medium = _prompts("math", "medium")
    assert all(re.match(r"^(What is \d\d [+-] \d\d\?|Solve for x: x \+ \d+ = \d+\.)$", p) for p in medium)


def test_math_answers_are_right_at_every_level():
    for level in (1, 2, 3, 5):
        for r in load_rows("math", "train", 30, 0, difficulty=level):
            expr = re.match(r"^What is (.+)\?$", r["prompt"])
            if expr:
                assert str(eval(expr.group(1))) == r["answer"], r  # noqa: S307 - generated arithmetic only


def test_logic_levels_draw_only_their_kinds():
    easy = _prompts("logic", "easy")
    assert all(re.search(r"than .+\. Who is|^Which number is larger|^Is \d+ greater than", p) for p in easy)
    assert all(re.search(r"Answer yes or no\.$|^\w+ is \w+ than \w+\. \w+ is", p) for p in _prompts("logic", 2))
    assert all(p.startswith(("What number comes next", "Sort these numbers")) for p in _prompts("logic", "hard"))


@pytest.mark.parametrize("domain", ["math", "logic"])
def test_mixed_is_the_unchanged_default(domain):
    assert load_rows(domain, "train", 40, 3, difficulty="mixed") == load_rows(domain, "train", 40, 3)


@pytest.mark.parametrize("domain,difficulty", [("math", "easy"), ("math", "hard"), ("logic", "easy"), ("logic", [2, 3])])
def test_levels_are_deterministic_disjoint_and_big_enough_for_the_proof(domain, difficulty):
    train, ev = _prompts(domain, difficulty, "train", 256), _prompts(domain, difficulty, "eval", 64)
    assert len(train) == 256 and len(ev) == 64  # the proof config evaluates 64 held-out prompts per domain
    assert not set(train) & set(ev)
    assert train == _prompts(domain, difficulty, "train", 256)
    assert train != _prompts(domain, difficulty, "train", 256, seed=1)


@pytest.mark.parametrize("domain,difficulty,needle", [
    ("math", "extreme", "data.math.difficulty: unknown difficulty 'extreme'"),
    ("math", 9, "a level in [1, 2, 3, 4, 5]"),
    ("logic", True, "data.logic.difficulty: unknown difficulty True"),
    ("code", "easy", "data.code.difficulty: the built-in dataset 'code' has no difficulty levels"),
])
def test_bad_difficulty_names_the_field(domain, difficulty, needle):
    with pytest.raises(DataSourceError, match=re.escape(needle)):
        load_rows(domain, "train", 4, 0, difficulty=difficulty)


def test_difficulty_with_an_external_source_is_rejected(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"prompt": "1+1?", "answer": "2"}\n')
    with pytest.raises(DataSourceError, match=r"data\.math\.difficulty: levels belong to the built-in generators"):
        load_rows("math", "train", 4, 0, source=str(path), difficulty="easy")
