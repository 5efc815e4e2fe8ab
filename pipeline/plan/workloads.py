"""What each stage of a config runs on a GPU, as estimator inputs, and whether it fits.

One ``StagePlan`` per stage the config runs (``expert:<domain>`` for each expert, distill, sft, mixed, eval;
report runs no GPU work), with one row per kind of worker: the training rank (with its colocated engine), an
engine actor on its own GPU (``rollout.vllm_mode: server``, ``distill.workers``), the in-process judge. Batch
shapes are the stages' own (pipeline/stages/): an RL micro-batch is ``group_size x prompts_per_step /
gradient_accumulation_steps`` completions of the expert spec's ``max_prompt_len`` + the completion budget (thinking
rows: ``thinking_max_tokens``); SFT's is ``sft.batch_size`` sequences of ``sft.max_length``. A stage that does not
fit gets the one-line fix the estimator can compute (the smallest accumulation that fits, else sleep mode, FSDP or
LoRA), as a ConfigError naming the field to change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config import PipelineConfig
from ..errors import ConfigError
from .arch import Arch, load_arch
from .estimate import GIB, Estimate, Lora, TrainShape, engine_fit, train_worker

JUDGE_SHARE = 0.3  # gpu_memory_utilization of an in-process judge engine (pipeline/rollout/vllm_backend.py default)


@dataclass
class WorkerPlan:
    name: str
    est: Estimate


@dataclass
class StagePlan:
    stage: str
    summary: str
    limit: float  # bytes per GPU
    workers: list[WorkerPlan] = field(default_factory=list)
    problem: ConfigError | None = None

    @property
    def peak(self) -> float:
        return max((w.est.peak for w in self.workers), default=0.0)


@dataclass(frozen=True)
class RLBatch:
    """One RL stage's shape: where its settings live (``path``) and the numbers that size a micro-batch."""

    path: str
    kind: str
    completions: int  # group_size x prompts_per_step per step and worker
    accumulation: int
    prompt_len: int
    completion_len: int
    lora: Any
    workers: int
    ref_model: bool
    judge: bool


def _precision(cfg: PipelineConfig) -> dict[str, Any]:
    t = cfg.training
    dtype = "bf16" if t.dtype == "auto" else t.dtype  # the plan is for CUDA, where auto is bf16
    pure = bool(getattr(t, "pure_bf16", False))
    fsdp = t.fsdp
    return {"master_bytes": 2 if pure else 4, "autocast": dtype in ("bf16", "fp16"),
            "checkpointing": bool(t.gradient_checkpointing or (fsdp.enabled and fsdp.activation_checkpointing)),
            "eager_attention": t.attn_implementation == "eager", "cpu_offload": bool(fsdp.enabled and fsdp.cpu_offload)}


def _lora(lora: Any) -> Lora | None:
    return Lora(int(lora.r), tuple(lora.targets)) if lora is not None else None


def _uses_judge(cfg: PipelineConfig, domains: list[str]) -> bool:
    from rewards.constitution_penalty import JUDGE_REWARDS

    from ..scoring.reward_factory import reward_lists

    names = {e["name"] for entries in reward_lists(cfg, domains).values() for e in entries}
    return cfg.judge.backend == "vllm" and bool(names & set(JUDGE_REWARDS))


def _engine(cfg: PipelineConfig, limit: float, judge: bool) -> tuple[float, bool]:
    """(bytes a colocated engine reserves, whether it sleeps during the training phase)."""
    r = cfg.rollout
    if r.backend == "hf" or r.vllm_mode != "colocate":
        return 0.0, False
    sleeps = getattr(r, "sleep_mode", "off") != "off" and not judge  # one sleep-mode engine per process
    return r.gpu_memory_utilization * limit, sleeps


def budget(cfg: PipelineConfig) -> int | None:
    """training.max_tokens_per_micro_batch: the token budget a micro-batch is derived from (None = none)."""
    return getattr(cfg.training, "max_tokens_per_micro_batch", None)


def rl_split(cfg: PipelineConfig, b: RLBatch, accumulation: int) -> tuple[int, int]:
    """(completions per micro-batch, micro-batches per step) as the trainer splits them (config/batching.py)."""
    from ..config.batching import micro_batches

    split = micro_batches(b.completions, b.prompt_len + b.completion_len, budget(cfg), accumulation)
    return split.size, split.accumulation


def rl_shape(cfg: PipelineConfig, b: RLBatch, accumulation: int) -> TrainShape:
    world = b.workers if cfg.training.fsdp.enabled else 1
    return TrainShape(seqs=max(1, rl_split(cfg, b, accumulation)[0]), seq_len=b.prompt_len + b.completion_len,
                      logit_tokens=b.completion_len, world=world, lora=_lora(b.lora), ref_model=b.ref_model,
                      **_precision(cfg))


def _rl_estimate(cfg: PipelineConfig, arch: Arch, b: RLBatch, accumulation: int, limit: float,
                 sleep: bool = False) -> Estimate:
    engine, sleeps = _engine(cfg, limit, b.judge)
    sleeps = sleeps or sleep
    judge = JUDGE_SHARE * limit if b.judge else 0.0
    return train_worker(arch, rl_shape(cfg, b, accumulation), engine, sleeps, judge, cfg.plan.overhead_gb * GIB)


def plan_rl(cfg: PipelineConfig, arch: Arch, b: RLBatch, stage: str) -> StagePlan:
    limit = cfg.resources_for(b.kind).gpu_memory_gb * GIB
    est = _rl_estimate(cfg, arch, b, b.accumulation, limit)
    shape = rl_shape(cfg, b, b.accumulation)
    engine, sleeps = _engine(cfg, limit, b.judge)
    summary = (f"{'LoRA r=' + str(b.lora.r) if b.lora else 'full fine-tuning'}, {b.workers} worker(s)"
               f"{' FSDP x' + str(shape.world) if shape.world > 1 else ''}, micro-batch {shape.seqs} x {shape.seq_len} "
               f"tokens (accumulation {rl_split(cfg, b, b.accumulation)[1]}), vLLM {'colocated' + (' (sleeps)' if sleeps else '') if engine else 'elsewhere'}")
    plan = StagePlan(stage, summary, limit, [WorkerPlan("trainer", est)])
    server = cfg.rollout.vllm_mode == "server" and cfg.rollout.backend != "hf"
    if server:
        plan.workers.append(WorkerPlan("engine actor", _engine_row(cfg, arch, limit)))
    if est.peak > limit:
        plan.problem = _rl_fix(cfg, arch, b, stage, est, limit, engine and not sleeps)
    elif server or engine:
        plan.problem = _engine_problem(cfg, arch, limit, stage)
    return plan


def _engine_row(cfg: PipelineConfig, arch: Arch, limit: float, judge: float = 0.0) -> Estimate:
    share = cfg.rollout.gpu_memory_utilization * limit
    parts = {"vllm": share, "judge": judge, "overhead": cfg.plan.overhead_gb * GIB}
    return Estimate(parts, sum(parts.values()), "generation")


def _engine_problem(cfg: PipelineConfig, arch: Arch, limit: float, stage: str) -> ConfigError | None:
    share = cfg.rollout.gpu_memory_utilization * limit
    if engine_fit(arch, share, cfg.rollout.max_model_len) >= 0:
        return None
    need = (arch.params * 2) / limit
    return ConfigError("rollout.gpu_memory_utilization", f"stage {stage}: the engine's share ({share / GIB:.1f} GiB) "
                       f"cannot hold the bf16 weights ({arch.params * 2 / GIB:.1f} GiB) and one "
                       f"{cfg.rollout.max_model_len}-token sequence's KV cache; raise it above {need:.2f} or set "
                       "rollout.tensor_parallel_size")


def _rl_fix(cfg: PipelineConfig, arch: Arch, b: RLBatch, stage: str, est: Estimate, limit: float,
            awake_engine: bool) -> ConfigError:
    need = f"stage {stage} needs {est.peak / GIB:.1f} GiB per GPU, resources.{b.kind}.gpu_memory_gb is {limit / GIB:g}"
    for acc in range(rl_split(cfg, b, b.accumulation)[1] + 1, b.completions + 1):
        if b.completions % acc == 0 and _rl_estimate(cfg, arch, b, acc, limit).peak <= limit:
            size = b.completions // acc
            if budget(cfg) is not None:
                return ConfigError("training.max_tokens_per_micro_batch", f"{need}; set it to at most "
                                   f"{size * (b.prompt_len + b.completion_len)} (micro-batch {size} completions)")
            return ConfigError(f"{b.path}.gradient_accumulation_steps",
                               f"{need}; set it to {acc} (micro-batch {size} completions)")
    if awake_engine and hasattr(cfg.rollout, "sleep_mode") and \
            _rl_estimate(cfg, arch, b, b.accumulation, limit, sleep=True).peak <= limit:
        return ConfigError("rollout.sleep_mode", f"{need} with the engine awake while training; set it to on "
                                                 "(and serve the judge) or lower rollout.gpu_memory_utilization")
    one = _rl_estimate(cfg, arch, b, b.completions, limit).peak
    hints = [f"shard with it ({b.path}.num_workers GPUs)", f"train LoRA ({b.path}.lora)" if b.lora is None else "",
             "" if _precision(cfg)["checkpointing"] else "set training.gradient_checkpointing"]
    return ConfigError("training.fsdp.enabled", f"{need}, and {one / GIB:.1f} GiB even at one completion per "
                                                f"micro-batch; {', '.join(h for h in hints if h)}")
