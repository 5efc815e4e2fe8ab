"""Server mode: the rollout engine in its own Ray actor (rollout.vllm_mode=server). Generation there
matches an in-process engine token for token, weights shipped with sync_weights take effect, an
engine the cluster cannot place fails with a clear error, and an expert trains against it."""
from __future__ import annotations

import pytest

from pipeline.rollout import SamplingConfig

PROMPTS = ["What is 2+3?", [{"role": "user", "content": "Name a colour."}]]
GREEDY = SamplingConfig(n=1, max_tokens=12, temperature=0.0)


def _tokens(engine) -> list[list[int]]:
    return [s.token_ids for g in engine.generate(PROMPTS, GREEDY, mode="non_thinking") for s in g.samples]


def test_served_engine_matches_in_process_and_takes_synced_weights(ray_local, tiny_model, tiny_model_b, vllm_engines):
    from safetensors.torch import load_file

    from pipeline.rollout.ray_engine import RayEngine

    served = RayEngine(str(tiny_model), backend="vllm", max_model_len=512)
    try:
        assert served.backend_name == "vllm" and served.supports_structured
        base, other = _tokens(vllm_engines(tiny_model)), _tokens(vllm_engines(tiny_model_b))
        assert base != other  # the two tiny models really answer differently
        assert _tokens(served) == base
        served.sync_weights(load_file(str(next(tiny_model_b.glob("*.safetensors")))))
        assert _tokens(served) == other  # the actor now generates with model B's weights
    finally:
        served.close()
    assert served.actor is None


def test_unplaceable_engine_fails_with_a_clear_error(ray_local, tiny_model):
    from pipeline.rollout.ray_engine import RayEngine

    with pytest.raises(RuntimeError, match=r"did not start within 3s.*num_gpus=1"):
        RayEngine(str(tiny_model), backend="vllm", num_gpus=1, start_timeout_s=3, max_model_len=512)


def test_expert_trains_against_a_served_engine(ray_local, tiny_model, tmp_path):
    import torch
    from safetensors.torch import load_file

    from pipeline.config import parse_config
    from pipeline.run.manifest import read_manifest
    from pipeline.run.orchestrator import run_single_stage

    cfg = parse_config({
        "model": str(tiny_model), "seed": 0, "output_dir": str(tmp_path / "run"), "domains": ["math"],
        "rollout": {"backend": "vllm", "vllm_mode": "server", "max_tokens": 16, "max_model_len": 512},
        "experts": {"math": {"steps": 2, "group_size": 4}},
        "data": {"math": {"train_size": 8, "eval_size": 2}}, "logging": {"report_to": []},
    })
    assert run_single_stage(cfg, "expert:math") == 0
    m = read_manifest(tmp_path / "run", "expert:math")
    assert m["status"] == "complete" and m["metrics"]["global_step"] == 2
    assert m["metrics"]["sync_s"] > 0  # step 2 sampled from the step-1 policy, shipped to the actor
    base = load_file(str(next(tiny_model.glob("*.safetensors"))))
    new = load_file(str(tmp_path / "run" / "expert_math" / "checkpoint" / "model.safetensors"))
    assert any(not torch.equal(base[k], new[k]) for k in base if k in new)
