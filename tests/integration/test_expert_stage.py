"""Expert stage end to end on the tiny model: TRL GRPOTrainer + vLLM rollouts + router rewards,
weights change, the checkpoint loads, the train log is written, and a rerun resumes."""
from __future__ import annotations

import json

import pytest

from pipeline.config import parse_config
from pipeline.run.manifest import read_manifest
from pipeline.run.orchestrator import run_single_stage


def _cfg(tiny_model, out, **experts):
    return parse_config({
        "model": str(tiny_model), "seed": 0, "output_dir": str(out), "domains": ["math"],
        "rollout": {"backend": "vllm", "max_tokens": 16, "max_model_len": 512},
        "experts": {"math": {"steps": 2, "group_size": 4, "mode": "both", **experts}},
        "data": {"math": {"train_size": 8, "eval_size": 2}}, "logging": {"report_to": []},
    })


def _weights(path):
    from safetensors.torch import load_file

    return load_file(str(next(path.glob("*.safetensors"))))


@pytest.mark.parametrize("lora", [None, {"r": 4, "alpha": 8}])
def test_expert_stage_trains_and_resumes(tiny_model, tmp_path, lora):
    import torch

    cfg = _cfg(tiny_model, tmp_path / "run", **({"lora": lora} if lora else {}))
    assert run_single_stage(cfg, "expert:math") == 0
    m = read_manifest(tmp_path / "run", "expert:math")
    assert m["status"] == "complete" and m["metrics"]["global_step"] == 2
    ckpt = tmp_path / "run" / "expert_math" / "checkpoint"
    assert (ckpt / "config.json").exists() and (ckpt / "tokenizer.json").exists()
    base, new = _weights(tiny_model), _weights(ckpt)
    changed = [k for k in base if k in new and not torch.equal(base[k], new[k])]
    assert changed, "training did not change any weight"
    if lora:
        assert (tmp_path / "run" / "expert_math" / "adapter").exists()
        assert all("mlp" not in k for k in changed)  # only the adapted attention projections moved
    log = [json.loads(line) for line in (tmp_path / "run" / "expert_math" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "reward" in r] == [1, 2]
    assert any(k.startswith("domain/math/") for k in log[0])

    # resume: pretend a 3-step run crashed after its step-2 checkpoint (same config hash, status
    # failed); rerunning it continues from that TRL checkpoint instead of step 0
    from pipeline.run.manifest import write_manifest
    from pipeline.run.orchestrator import stage_hashes

    cfg3 = _cfg(tiny_model, tmp_path / "run", steps=3, **({"lora": lora} if lora else {}))
    write_manifest(tmp_path / "run", "expert:math", status="failed",
                   config_hash=stage_hashes(cfg3, ["expert:math"])["expert:math"])
    assert run_single_stage(cfg3, "expert:math") == 0
    log = [json.loads(line) for line in (tmp_path / "run" / "expert_math" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "reward" in r] == [1, 2, 3]  # only step 3 ran again, no repeated steps
    assert read_manifest(tmp_path / "run", "expert:math")["metrics"]["global_step"] == 3

    # a changed config (or --from) starts the stage from an empty folder
    cfg4 = _cfg(tiny_model, tmp_path / "run", steps=1, **({"lora": lora} if lora else {}))
    assert run_single_stage(cfg4, "expert:math") == 0
    log = [json.loads(line) for line in (tmp_path / "run" / "expert_math" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "reward" in r] == [1]


def test_agentic_search_expert_runs_with_tools(tiny_model, tmp_path):
    """The agentic expert's rows advertise the search tool and train through the multi-turn rollout."""
    cfg = parse_config({
        "model": str(tiny_model), "seed": 0, "output_dir": str(tmp_path / "run"), "domains": ["agentic_search"],
        "rollout": {"backend": "vllm", "max_tokens": 16, "max_model_len": 512},
        "experts": {"agentic_search": {"steps": 1, "group_size": 2, "max_tokens": 16}},
        "data": {"agentic_search": {"train_size": 4, "eval_size": 2}}, "logging": {"report_to": []},
    })
    assert run_single_stage(cfg, "expert:agentic_search") == 0
    m = read_manifest(tmp_path / "run", "expert:agentic_search")
    assert m["status"] == "complete" and m["metrics"]["global_step"] == 1
    log = [json.loads(x) for x in (tmp_path / "run" / "expert_agentic_search" / "train_log.jsonl").read_text().splitlines()]
    assert "domain/agentic_search/exact_match" in log[0]


@pytest.mark.ray
@pytest.mark.slow  # 307 s on the shared 2-core box (Ray Train starts its actors, then two vLLM engines)
def test_expert_trains_on_two_ray_train_workers(tiny_model, tmp_path):
    """experts.<d>.num_workers=2: TRL's GRPOTrainer under Ray Train (DDP on gloo), one engine per worker."""
    import ray
    import torch

    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2)
    try:
        assert run_single_stage(_cfg(tiny_model, tmp_path / "run", num_workers=2), "expert:math") == 0
    finally:
        ray.shutdown()
    m = read_manifest(tmp_path / "run", "expert:math")
    assert m["status"] == "complete" and m["metrics"]["world_size"] == 2 and m["metrics"]["global_step"] == 2
    base, new = _weights(tiny_model), _weights(tmp_path / "run" / "expert_math" / "checkpoint")
    assert any(not torch.equal(base[k], new[k]) for k in base if k in new)
    log = [json.loads(line) for line in (tmp_path / "run" / "expert_math" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "reward" in r] == [1, 2]  # rank 0 logs once per step
