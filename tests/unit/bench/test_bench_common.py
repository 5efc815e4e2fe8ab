"""bench/common.py (timing, environment, result files), bench/run_all.py (discovery, summary)
and the argument handling of the bench modules. Fast: no engines are started here; the
benches themselves are exercised by ``python -m bench.run_all --quick``."""
from __future__ import annotations

import json
import time

import pytest

from bench import common, rewards as bench_rewards, rollout as bench_rollout, run_all


def test_timer_and_repeat_measure_wall_time():
    with common.timed() as t:
        time.sleep(0.05)
    assert 0.04 < t.seconds < 1.0
    calls = []
    stats = common.repeat(lambda: calls.append(time.sleep(0.01)), times=3, warmup=1)
    assert len(calls) == 4 and stats["n"] == 3
    assert 0.009 < stats["min_s"] <= stats["median_s"] <= stats["max_s"] < 1.0
    assert stats["stdev_s"] >= 0
    with pytest.raises(ValueError):
        common.repeat(lambda: None, times=0)
    assert common.rate(10, 2.0) == 5.0 and common.rate(10, 0.0) is None


def test_environment_records_device_versions_and_commit():
    env = common.environment()
    assert env["cpu_count"] >= 1 and isinstance(env["cpu_model"], str) and env["cpu_model"]
    assert isinstance(env["gpus"], list)
    assert env["versions"]["torch"].startswith("2.") and "transformers" in env["versions"]
    assert env["git_commit"] is None or len(env["git_commit"]) == 40


def test_write_result_is_json_with_args_and_environment(tmp_path):
    path = common.write_result("demo", {"quick": True, "n": 2}, {"x": 1.5}, ["a note"], out_dir=tmp_path)
    assert path == tmp_path / "demo.json" and not list(tmp_path.glob("*.tmp"))
    data = json.loads(path.read_text())
    assert data["bench"] == "demo" and data["args"] == {"quick": True, "n": 2} and data["results"] == {"x": 1.5}
    assert data["notes"] == ["a note"] and "cpu_model" in data["environment"] and data["created_utc"].endswith("Z")


def test_run_all_discovers_modules_and_summarises_results(tmp_path):
    names = run_all.discover()
    assert {"rollout", "rewards"} <= set(names) and not {"common", "run_all", "__init__"} & set(names)
    assert names.index("rewards") < names.index("rollout")
    assert run_all.supports_quick("rollout") and run_all.supports_quick("rewards")
    common.write_result("rollout", {"quick": True}, {
        "vllm": {"tokens_per_s": 120.0, "weight_sync": {"mean_s": 0.2}},
        "hf": {"tokens_per_s": 100.0, "weight_sync": {"mean_s": 0.05}}, "vllm_over_hf": 1.2}, out_dir=tmp_path)
    common.write_result("other", {}, {"alpha": 3, "nested": {"no": 1}, "flag": True}, out_dir=tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    rows = run_all.summary_rows(tmp_path)
    assert ("rollout.json", "vLLM/HF (goal 1.1)", "1.2", "quick") in rows
    assert ("rollout.json", "vllm tok/s", "120", "quick") in rows
    assert ("other.json", "alpha", "3", "") in rows and not any(r[1] in ("nested", "flag") for r in rows)
    assert any(r[0] == "broken.json" and r[1] == "unreadable" for r in rows)


def test_bench_args_quick_shrinks_sizes_and_records_them():
    a = bench_rollout.parse_args(["--quick"])
    assert (a.prompts, a.n, a.max_tokens) == (8, 2, 32) and a.backends == ["vllm", "hf"]
    b = bench_rollout.parse_args(["--prompts", "5", "--n", "3", "--max-tokens", "17"])
    assert (b.prompts, b.n, b.max_tokens, b.quick) == (5, 3, 17, False)
    r = bench_rewards.parse_args(["--quick", "--workers", "1", "2"])
    assert r.quick and r.workers == [1, 2] and r.rows == 64 and r.judge_rows == 8
    json.dumps(vars(r))  # what write_result stores must be JSON


def test_rollout_prompts_are_chat_rows_from_three_domains():
    prompts = bench_rollout.chat_prompts(7)
    assert len(prompts) == 7 and all(p[0]["role"] == "user" and p[0]["content"] for p in prompts)
    assert len({p[0]["content"] for p in prompts}) == 7


def test_rule_reward_bench_on_real_rows():
    """The rule-reward timing on real dataset rows (gold answers as completions), small."""
    from experts.datasets import load_rows

    rows = {d: [{**r, "completion": f"The answer is \\boxed{{{r['answer']}}}."} for r in load_rows(d, "train", 3)]
            for d in ("math", "logic", "code", "writing") if d != "writing"}
    rows["writing"] = [{**r, "completion": "Dear team, the office is closed on Monday."} for r in load_rows("writing", "train", 3)]
    out = bench_rewards.bench_rule_rewards(rows, 12)
    assert set(out) == set(bench_rewards.RULE_REWARDS)
    for name, res in out.items():
        assert res["rows"] == 12 and res["rows_per_s"] > 0, name
    assert out["math_correctness"]["mean_score"] == 1.0  # gold answers, boxed
