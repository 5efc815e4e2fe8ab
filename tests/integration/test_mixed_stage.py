"""Mixed GRPO on the tiny model: rows of several domains in one run, each routed to its own
rewards, per-domain logs, the forgetting guard, and the domain mixture."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from pipeline.config import parse_config
from pipeline.run.manifest import read_manifest
from pipeline.run.orchestrator import run_single_stage
from pipeline.stages.mixed_rl import mixture


def _cfg(tiny_model, out, **mixed):
    return parse_config({
        "model": str(tiny_model), "seed": 0, "output_dir": str(out), "domains": ["math", "logic", "code"],
        "rollout": {"backend": "vllm", "max_tokens": 16, "max_model_len": 512},
        "data": {d: {"train_size": 8, "eval_size": 2} for d in ("math", "logic", "code")},
        "mixed": {"steps": 2, "group_size": 2, "prompts_per_step": 3, "eval_every": 1, "eval_size": 2, **mixed},
        "logging": {"report_to": []},
    })


def test_mixture_weights(tiny_model, tmp_path):
    cfg = _cfg(tiny_model, tmp_path, domains={"math": 3.0, "logic": 1.0})
    rows = {"math": [{"id": f"m{i}", "domain": "math"} for i in range(5)],
            "logic": [{"id": f"l{i}", "domain": "logic"} for i in range(5)]}
    counts = Counter(r["domain"] for r in mixture(cfg, rows, 400))
    assert 0.68 < counts["math"] / 400 < 0.82
    cfg = _cfg(tiny_model, tmp_path, weighting="proportional")
    counts = Counter(r["domain"] for r in mixture(cfg, {"math": rows["math"] * 3, "logic": rows["logic"]}, 400))
    assert 0.68 < counts["math"] / 400 < 0.82
    assert mixture(cfg, rows, 10) == mixture(cfg, rows, 10)  # seeded


def test_mixed_stage_routes_every_domain(tiny_model, tmp_path):
    cfg = _cfg(tiny_model, tmp_path / "run")
    assert run_single_stage(cfg, "mixed") == 0
    m = read_manifest(tmp_path / "run", "mixed")
    assert m["status"] == "complete" and m["metrics"]["global_step"] == 2
    assert set(m["metrics"]["forgetting_delta"]) >= {"math/reward", "logic/reward", "code/reward"}
    out = tmp_path / "run" / "mixed"
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    keys = set().union(*log)
    # each domain's rows were scored by that domain's rewards only
    assert {"domain/math/math_correctness", "domain/logic/exact_match", "domain/code/code_tests"} & keys
    assert not any(k.startswith("domain/math/") and k.endswith(("exact_match", "code_tests")) for k in keys)
    assert any(k.startswith("forgetting/") for k in keys)
    guard = [json.loads(line) for line in (out / "forgetting.jsonl").read_text().splitlines()]
    assert [g["step"] for g in guard] == [0, 1, 2]
    assert (out / "checkpoint" / "config.json").exists()


@pytest.mark.ray
@pytest.mark.slow  # minutes on the 2-core box: Ray Train's actors, then a vLLM engine per worker
def test_mixed_stage_on_two_ray_train_workers(tiny_model, tmp_path):
    """mixed.num_workers=2: every worker routes its rows to their domains' rewards; rank 0 alone runs
    the forgetting guard (one line per evaluation) and writes the checkpoint."""
    import ray

    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2)
    try:
        assert run_single_stage(_cfg(tiny_model, tmp_path / "run", num_workers=2, prompts_per_step=2), "mixed") == 0
    finally:
        ray.shutdown()
    m = read_manifest(tmp_path / "run", "mixed")
    assert m["status"] == "complete" and m["metrics"]["world_size"] == 2 and m["metrics"]["global_step"] == 2
    assert set(m["metrics"]["forgetting_delta"]) >= {"math/reward", "logic/reward", "code/reward"}
    guard = [json.loads(x) for x in (tmp_path / "run" / "mixed" / "forgetting.jsonl").read_text().splitlines()]
    assert [g["step"] for g in guard] == [0, 1, 2]
    assert (tmp_path / "run" / "mixed" / "checkpoint" / "config.json").is_file()
