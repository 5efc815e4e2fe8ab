"""Mixed GRPO stage ``mixed``: one RL stage over every domain at once (V3.2's final RL).

Starts from the SFT checkpoint (the ``sft`` stage's manifest; the base model when the run has
no SFT stage). The domains' training prompts are interleaved by ``mixed.domains`` weights
(``weighting: fixed`` ratios, or ``proportional`` to each domain's train split size); each row
keeps its ``domain``, so the router scores it with that domain's rewards, and GRPO's
advantages are computed within each prompt's group, so reward scales do not mix across
domains. Rows of the agentic domains run multi-turn with their tools in the same batch.

KL per domain: each row carries its domain's KL weight (``mixed.kl_beta`` or the expert spec's
``kl_beta``; 0 allowed) and the loss weights that row's KL term by it (pipeline/train/v32_loss.py).

``mixed.num_workers > 1`` trains on Ray Train workers (pipeline/run/ray_train.py), each with its own
rollout engine and rewards; rank 0 runs the forgetting guard.

Logs (train_log.jsonl, tensorboard): reward per domain and component (``domain/<d>/...``),
each domain's share of the batch, KL, entropy, length by domain, and the forgetting guard's
held-out scores (``forgetting/<d>/...``, also in ``forgetting.jsonl``).

    posttrain stage mixed configs/demo.yaml
"""
from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

from ..config import PipelineConfig
from ..run.manifest import read_record, stage_dir
from . import StageResult, register_stage

log = logging.getLogger(__name__)


def start_model(cfg: PipelineConfig, run_dir: Path) -> str:
    from ..models import resolve_model

    if cfg.mixed.init_model:
        return str(resolve_model(cfg.mixed.init_model, cfg.trust_remote_code))
    sft = read_record(run_dir, "sft")
    if sft and sft.checkpoint:
        return sft.checkpoint
    log.warning("mixed: no complete sft stage in %s; starting from the base model %s", run_dir, cfg.model)
    return str(resolve_model(cfg.model, cfg.trust_remote_code))


def mixture(cfg: PipelineConfig, rows_by_domain: dict[str, list[dict[str, Any]]], n: int) -> list[dict[str, Any]]:
    """``n`` rows drawn by domain weight (seeded), cycling through each domain's rows in order."""
    m = cfg.mixed
    domains = list(rows_by_domain)
    if m.weighting == "proportional":
        weights = [float(len(rows_by_domain[d])) for d in domains]
    else:
        weights = [m.domains.get(d, 1.0 if not m.domains else 0.0) for d in domains]
    if sum(weights) <= 0:
        raise ValueError("mixed.domains: weights must not all be zero")
    rng = random.Random(cfg.seed)
    counters = dict.fromkeys(domains, 0)
    out = []
    for d in rng.choices(domains, weights=weights, k=n):
        rows = rows_by_domain[d]
        out.append(rows[counters[d] % len(rows)])
        counters[d] += 1
    return out


def mixed_domains(cfg: PipelineConfig) -> list[str]:
    m = cfg.mixed
    return [d for d in (list(m.domains) or cfg.domains) if m.domains.get(d, 1.0) > 0 or m.weighting == "proportional"]


def mixed_job(cfg: PipelineConfig, run_dir: Path, name: str) -> tuple[Any, Any, Any, Any]:
    """The mixed RLJob, reward router, rollout engine and forgetting guard (built on each Ray Train
    worker too; only rank 0's guard evaluates)."""
    from experts.base import get_expert

    from ..data import load_split
    from ..rollout.build import rollout_engine
    from ..train.forgetting_guard import ForgettingGuard
    from ..train.grpo import RLJob, with_modes
    from ..scoring.reward_factory import build_router

    from ..scoring.reward_factory import expert_tools

    m, r = cfg.mixed, cfg.rollout
    domains = mixed_domains(cfg)
    rows = mixture(cfg, {d: load_split(cfg, d, "train") for d in domains}, m.steps * m.prompts_per_step)
    model = start_model(cfg, run_dir)
    router = build_router(cfg, domains=domains)  # the judge gets its own engine: the policy's weights change
    out = stage_dir(run_dir, name)
    budgets = m.budgets(r.max_tokens)
    max_len = m.max_tokens or r.max_tokens
    guard = ForgettingGuard(router, {d: load_split(cfg, d, "eval", m.eval_size) for d in domains}, m.eval_every,
                            out / "forgetting.jsonl", max_len, mode="thinking" if m.mode == "thinking" else "non_thinking")
    kl_by_domain = {d: float(m.kl_beta.get(d, get_expert(d).kl_beta)) for d in domains}
    beta = max(kl_by_domain.values())
    job = RLJob(model=model, rows=with_modes(rows, m.mode, cfg.seed), out_dir=out, steps=m.steps, group_size=m.group_size,
                prompts_per_step=m.prompts_per_step, learning_rate=m.learning_rate,
                max_tokens=max(budgets.values()), max_tokens_by_mode=budgets,
                beta=beta, lora=m.lora, tools={d: expert_tools(cfg, d) for d in domains},
                save_steps=max(1, m.steps // 2), callbacks=[guard], resume_from=m.resume_from, kl_by_domain=kl_by_domain,
                gradient_accumulation_steps=m.gradient_accumulation_steps, dynamic_sampling=m.dynamic_sampling)
    log.info("mixed: %d steps over %s (%d prompts x %d completions per step), KL by domain %s", m.steps, domains,
             m.prompts_per_step, m.group_size, kl_by_domain)
    return job, router, rollout_engine(cfg, model), guard


def train_mixed(spec: dict[str, Any]) -> dict[str, Any]:
    """Build and train; runs in the stage process, or unchanged on every Ray Train worker."""
    from ..train.grpo import train_grpo

    cfg = PipelineConfig.model_validate(spec["cfg"])
    job, router, engine, guard = mixed_job(cfg, Path(spec["run_dir"]), spec["name"])
    try:
        result = train_grpo(cfg, job, router, engine)
    finally:
        router.close()
        engine.close()
    if guard.history:  # the main process: held-out scores at the start and the end
        first, last = guard.history[0], guard.history[-1]
        result["metrics"]["forgetting_delta"] = {k: round(last[k] - first.get(k, 0.0), 4) for k in last if k != "step"}
    result["metrics"].update(domains=mixed_domains(cfg), beta=job.beta)
    return result


@register_stage("mixed")
def run_mixed(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    from ..run.ray_train import train

    out = stage_dir(run_dir, name)
    spec = {"cfg": cfg.model_dump(mode="json"), "run_dir": str(run_dir), "name": name}
    result = train(train_mixed, spec, cfg.mixed.num_workers, out, name, cfg)
    return StageResult(outputs={"checkpoint": result["checkpoint"], "train_log": str(out / "train_log.jsonl"),
                                "forgetting": str(out / "forgetting.jsonl")}, metrics=result["metrics"])
