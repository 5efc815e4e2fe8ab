"""``posttrain plan`` / ``validate`` on the shipped cluster config: every stage printed and fitting; a plan that
cannot fit exits 2 with one line naming the field to change."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[4]
CLUSTER = str(ROOT / "configs" / "cluster_8gpu.yaml")


def test_cluster_config_passes_its_own_plan(capsys):
    assert main(["plan", CLUSTER]) == 0
    out = capsys.readouterr().out
    for stage in ("expert:math", "expert:code", "expert:logic", "expert:writing", "expert:agentic_code",
                  "expert:agentic_search", "distill", "sft", "mixed", "eval"):
        assert f"\n{stage}: " in out, stage
    assert "DOES NOT FIT" not in out and "shipped table (qwen/qwen2.5-1.5b)" in out


def test_plan_that_cannot_fit_exits_2_with_one_line(capsys):
    assert main(["plan", CLUSTER, "mixed.gradient_accumulation_steps=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("error: mixed.gradient_accumulation_steps: stage mixed needs") and "set it to" in err


def test_validate_runs_the_same_check(capsys):
    assert main(["validate", CLUSTER]) == 0
    assert "memory plan fits" in capsys.readouterr().out
    assert main(["validate", CLUSTER, "resources.mixed.gpu_memory_gb=24"]) == 2
    assert "resources.mixed.gpu_memory_gb is 24" in capsys.readouterr().err


def test_full_finetuning_too_large_points_at_fsdp_or_lora(capsys):
    assert main(["plan", CLUSTER, "model=meta-llama/Llama-3.1-70B-Instruct", "experts={}", "stages=[mixed]"]) == 2
    err = capsys.readouterr().err
    assert "training.fsdp.enabled" in err and "mixed.lora" in err


def test_validate_refuses_fsdp_with_gradient_checkpointing(capsys):
    assert main(["validate", CLUSTER, "training.fsdp.enabled=true"]) == 2  # the cluster config recomputes activations
    assert "training.gradient_checkpointing: under FSDP use training.fsdp.activation_checkpointing" in capsys.readouterr().err


def test_gpu_run_refuses_a_plan_that_cannot_fit_before_starting(capsys, monkeypatch):
    import pipeline.run.orchestrator as orchestrator

    monkeypatch.setattr(orchestrator, "run_pipeline", lambda *a, **k: pytest.fail("the run started"))
    assert main(["run", CLUSTER, "mixed.gradient_accumulation_steps=1"]) == 2
    assert "mixed.gradient_accumulation_steps" in capsys.readouterr().err


def test_served_judge_actor_is_planned(capsys):
    served = ["judge.base_url=null", "judge.serve=true", "judge.serve_resources.num_gpus=1", "distill.workers=7"]
    assert main(["plan", CLUSTER, *served]) == 0
    assert "\njudge (served): Qwen/Qwen2.5-7B-Instruct on 1 GPU(s)" in capsys.readouterr().out
    assert main(["plan", CLUSTER, *served, "judge.model=Qwen/Qwen2.5-72B-Instruct"]) == 2
    assert capsys.readouterr().err.startswith("error: judge.serve_resources.num_gpus: the judge Qwen/Qwen2.5-72B")


def test_plan_section_survives_its_own_dump():
    """Stage tasks re-validate the dumped config: plan.model_config must round-trip under either name."""
    from pipeline.config import PipelineConfig
    from pipeline.config.load import parse_config

    cfg = parse_config({"plan": {"model_config": "/models/qwen/config.json"}, "resources": {"mixed": {"gpu_memory_gb": 141}}})
    again = PipelineConfig.model_validate(cfg.model_dump(mode="json"))
    assert again.plan.model_config_path == "/models/qwen/config.json"
    assert again.resources_for("mixed").gpu_memory_gb == 141 and again.config_hash() == cfg.config_hash()


def test_token_budget_sets_the_planned_micro_batch(capsys):
    """With training.max_tokens_per_micro_batch the plan uses the trainer's own split (config/batching.py), and a
    budget too large to fit is the field the error names."""
    base = [CLUSTER, "mixed.gradient_accumulation_steps=1"]
    assert main(["plan", *base, "training.max_tokens_per_micro_batch=40960"]) == 0
    assert "mixed: full fine-tuning, 1 worker(s), micro-batch 16 x 2560 tokens (accumulation 8)" in capsys.readouterr().out
    assert main(["plan", *base, "training.max_tokens_per_micro_batch=400000"]) == 2
    assert capsys.readouterr().err.startswith("error: training.max_tokens_per_micro_batch: stage mixed needs")
