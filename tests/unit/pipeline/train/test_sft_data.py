"""SFT data: loading the distill shards (with the errors a user sees), the seeded domain x mode
mixture, and the prompt/completion split."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.train.sft_data import (distill_dataset_dir, group_counts, load_distill, mix_indices, read_parquet,
                               to_prompt_completion)

DOMAINS = ("math", "logic", "code")


def _row(i: int, domain: str, mode: str, over: dict | None = None) -> dict:
    row = {"messages": [{"role": "system", "content": f"sys {mode}"}, {"role": "user", "content": f"q{i}?"},
                        {"role": "assistant", "content": f"a{i}."}],
           "domain": domain, "mode": mode, "expert": domain, "prompt_id": f"{domain}-{i}", "reward": 1.0,
           "components": json.dumps({"format": 1.0}), "completion_tokens": 3, "gen_hash": f"h{i}"}
    return {**row, **(over or {})}


def _write(folder, rows, name="shard-00000.parquet"):
    from datasets import Dataset

    folder.mkdir(parents=True, exist_ok=True)
    Dataset.from_list(rows).to_parquet(str(folder / name))


def _groups(per_group: int = 20) -> tuple[list[str], list[str]]:
    domains, modes = [], []
    for d in DOMAINS:
        for m in ("thinking", "non_thinking"):
            domains += [d] * per_group
            modes += [m] * per_group
    return domains, modes


def test_mix_proportions_follow_domain_times_mode_weights():
    domains, modes = _groups(20)  # 6 groups x 20 rows
    idx = mix_indices(domains, modes, {"math": 2.0, "code": 0.0}, {"thinking": 3.0}, seed=0, size=240)
    assert len(idx) == 240
    got = Counter((domains[i], modes[i]) for i in idx)
    # row weights: math/th 6, math/non 2, logic/th 3, logic/non 1, code 0 (sum 240 over 20 rows per group)
    assert got == {("math", "thinking"): 120, ("math", "non_thinking"): 40, ("logic", "thinking"): 60,
                   ("logic", "non_thinking"): 20}
    copies = Counter(idx)
    assert {copies[i] for i in range(20)} == {6} and {copies[i] for i in range(40, 60)} == {3}  # math/th, logic/th
    # default size keeps the source size: the same shares, halved
    half = Counter((domains[i], modes[i]) for i in mix_indices(domains, modes, {"math": 2.0, "code": 0.0},
                                                               {"thinking": 3.0}, seed=0))
    assert half[("math", "thinking")] == 60 and half[("math", "non_thinking")] == 20
    assert half[("logic", "thinking")] + half[("logic", "non_thinking")] == 40 and not half[("code", "thinking")]


def test_mix_fractional_shares_within_one_row_and_seeded():
    domains, modes = _groups(7)  # 42 rows
    weights = {"math": 1.5, "logic": 0.25}
    a = mix_indices(domains, modes, weights, {}, seed=1, size=100)
    assert len(a) == 100
    total = 2 * 7 * (1.5 + 0.25 + 1.0)
    for d, w in (("math", 1.5), ("logic", 0.25), ("code", 1.0)):
        expected = 100 * 2 * 7 * w / total
        got = sum(1 for i in a if domains[i] == d)
        assert abs(got - expected) < 2 * 7, (d, got, expected)  # at most one extra copy per row of the domain
        copies = Counter(i for i in a if domains[i] == d)
        per_row = 100 * w / total
        assert all(int(per_row) <= copies.get(i, 0) <= int(per_row) + 1
                   for i in range(len(domains)) if domains[i] == d)
    assert a == mix_indices(domains, modes, weights, {}, seed=1, size=100)
    assert a != mix_indices(domains, modes, weights, {}, seed=2, size=100)


def test_mix_without_weights_is_a_seeded_permutation():
    domains, modes = _groups(5)
    idx = mix_indices(domains, modes, {}, {}, seed=3)
    assert sorted(idx) == list(range(len(domains))) and idx != sorted(idx)


@pytest.mark.parametrize("dw, mw, field", [
    ({"math": 0, "logic": 0, "code": 0}, {}, "sft.domain_weights"),
    ({"math": -1.0}, {}, "sft.domain_weights.math"),
    ({}, {"fast": 1.0}, "sft.mode_weights.fast"),
])
def test_mix_rejects_bad_weights(dw, mw, field):
    domains, modes = _groups(2)
    with pytest.raises(ConfigError) as e:
        mix_indices(domains, modes, dw, mw, seed=0)
    assert e.value.path == field


def test_load_shards_and_split_prompt_completion(tmp_path):
    data = tmp_path / "run" / "distill" / "data"
    _write(data, [_row(i, "math", "thinking") for i in range(3)], "shard-00000.parquet")
    _write(data, [_row(i, "code", "non_thinking") for i in range(2)], "shard-00001.parquet")
    assert distill_dataset_dir(tmp_path / "run") == data  # no manifest: the default location
    ds = load_distill(data)
    assert len(ds) == 5 and group_counts(ds) == {"rows_by_domain": {"code": 2, "math": 3},
                                                 "rows_by_mode": {"non_thinking": 2, "thinking": 3}}
    pc = to_prompt_completion(ds)
    assert pc.column_names == ["prompt", "completion"]
    assert [m["role"] for m in pc[0]["prompt"]] == ["system", "user"]
    assert pc[0]["completion"] == [{"role": "assistant", "content": "a0."}]
    pc.to_parquet(str(tmp_path / "train.parquet"))
    assert read_parquet(tmp_path / "train.parquet")[4] == pc[4]


def test_dataset_dir_from_manifest(tmp_path):
    from pipeline.run.manifest import write_manifest

    run = tmp_path / "run"
    write_manifest(run, "distill", status="complete", outputs={"dataset": str(tmp_path / "elsewhere")})
    assert distill_dataset_dir(run) == tmp_path / "elsewhere"
    write_manifest(run, "distill", status="failed")
    with pytest.raises(InputError, match="distill.*'failed'.*posttrain stage distill"):
        distill_dataset_dir(run)


def test_missing_or_empty_dataset_names_path_and_distill_stage(tmp_path):
    with pytest.raises(InputError, match=f"{tmp_path / 'nope'}.*not found.*run the distill stage"):
        load_distill(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=f"{tmp_path / 'empty'}.*no \\*.parquet.*run the distill stage"):
        load_distill(tmp_path / "empty")
    _write(tmp_path / "zero", [_row(0, "math", "thinking")])
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(tmp_path / "zero" / "shard-00000.parquet").slice(0, 0),
                   tmp_path / "zero" / "shard-00000.parquet")
    with pytest.raises(InputError, match="no rows.*run the distill stage"):
        load_distill(tmp_path / "zero")


@pytest.mark.parametrize("bad, match", [
    ({"messages": [{"role": "user", "content": "q"}]}, "row 1: `messages` must end with a non-empty assistant"),
    ({"messages": [{"role": "system", "content": "s"}, {"role": "assistant", "content": "a"}]}, "row 1: .*no user"),
    ({"mode": "fast"}, "row 1: mode 'fast'"),
])
def test_malformed_rows_are_named(tmp_path, bad, match):
    _write(tmp_path / "d", [_row(0, "math", "thinking"), _row(1, "math", "thinking", bad)])
    with pytest.raises(InputError, match=f"shard-00000.parquet {match}"):
        load_distill(tmp_path / "d")


def test_missing_column_is_named(tmp_path):
    row = _row(0, "math", "thinking")
    del row["mode"]
    _write(tmp_path / "d", [row])
    with pytest.raises(InputError, match="missing column\\(s\\) mode"):
        load_distill(tmp_path / "d")
