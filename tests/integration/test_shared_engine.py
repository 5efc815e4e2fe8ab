"""Server mode under Ray Train (issue 25.4): two training ranks share one engine actor that rank 0 creates and
streams the policy to after each step (the other rank waits for that sync), instead of one actor and one
weight copy per rank."""
from __future__ import annotations

import pytest

from pipeline.config import parse_config
from pipeline.run.manifest import read_manifest
from pipeline.run.orchestrator import run_single_stage


@pytest.mark.ray
@pytest.mark.slow  # Ray Train starts two workers, then one vLLM engine actor
def test_two_ranks_share_one_engine_actor_synced_by_rank_0(tiny_model, tmp_path):
    import ray
    import torch
    from ray._private.state import actors
    from safetensors.torch import load_file

    cfg = parse_config({
        "model": str(tiny_model), "seed": 0, "output_dir": str(tmp_path / "run"), "domains": ["math"],
        "rollout": {"backend": "vllm", "vllm_mode": "server", "max_tokens": 16, "max_model_len": 512},
        "experts": {"math": {"steps": 2, "group_size": 4, "num_workers": 2}},
        "data": {"math": {"train_size": 8, "eval_size": 2}}, "logging": {"report_to": []},
    })
    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2)
    try:
        assert run_single_stage(cfg, "expert:math") == 0
        engines = [a for a in actors().values() if a.get("ActorClassName") == "EngineHost"]  # live and dead
    finally:
        ray.shutdown()
    assert len(engines) == 1, engines  # one actor for both ranks
    m = read_manifest(tmp_path / "run", "expert:math")
    assert m["status"] == "complete" and m["metrics"]["world_size"] == 2 and m["metrics"]["global_step"] == 2
    assert m["metrics"]["sync_s"] > 0  # rank 0 streamed step 1's policy into the shared actor (and checked it)
    base = load_file(str(next(tiny_model.glob("*.safetensors"))))
    new = load_file(str(tmp_path / "run" / "expert_math" / "checkpoint" / "model.safetensors"))
    assert any(not torch.equal(base[k], new[k]) for k in base if k in new)
