"""The memory plan of a whole config: one StagePlan per stage it runs, and the check ``validate`` and ``run`` use.

    plans = plan_config(cfg)          # list[StagePlan]; pipeline/plan/table.py renders them
    check_plan(cfg)                   # raises the first stage's ConfigError (one line: field and fix)
"""
from __future__ import annotations

from ..config import PipelineConfig
from ..errors import ConfigError
from .arch import Arch, load_arch
from .estimate import GIB, Estimate, TrainShape, kv_bytes, train_worker
from .workloads import JUDGE_SHARE, RLBatch, StagePlan, WorkerPlan, _engine_problem, _engine_row, _precision, _lora
from .workloads import _uses_judge, budget, plan_rl


def expert_batches(cfg: PipelineConfig) -> list[tuple[str, RLBatch]]:
    from experts.base import get_expert

    from ..stages.expert_rl import expert_settings

    out = []
    for domain in cfg.experts if "expert" in cfg.stages else []:
        s = expert_settings(cfg, domain)
        out.append((f"expert:{domain}", RLBatch(
            path=f"experts.{domain}", kind="expert", completions=s["group_size"] * s["prompts_per_step"],
            accumulation=s["gradient_accumulation_steps"], prompt_len=get_expert(domain).max_prompt_len,
            completion_len=_completion_budget(s), lora=s["lora"], workers=s.get("num_workers", 1),
            ref_model=s["kl_beta"] > 0, judge=_uses_judge(cfg, [domain]) and cfg.judge.model != cfg.model)))
    return out


def _completion_budget(settings: dict) -> int:
    """The longest completion an expert samples: its thinking rows' budget when it has one (expert_rl.mode_budgets)."""
    try:
        from ..stages.expert_rl import mode_budgets
    except ImportError:  # an expert without per-mode budgets samples max_tokens in every mode
        return int(settings["max_tokens"])
    return max(mode_budgets(settings).values())


def mixed_batch(cfg: PipelineConfig) -> RLBatch:
    from experts.base import get_expert

    from ..stages.mixed_rl import mixed_domains

    m, domains = cfg.mixed, mixed_domains(cfg)
    kl = [float(m.kl_beta.get(d, get_expert(d).kl_beta)) for d in domains]
    return RLBatch(path="mixed", kind="mixed", completions=m.group_size * m.prompts_per_step,
                   accumulation=m.gradient_accumulation_steps,
                   prompt_len=max(get_expert(d).max_prompt_len for d in domains),
                   completion_len=max(m.budgets(cfg.rollout.max_tokens).values()), lora=m.lora, workers=m.num_workers,
                   ref_model=max(kl, default=0.0) > 0, judge=_uses_judge(cfg, domains))


def plan_sft(cfg: PipelineConfig, arch: Arch) -> StagePlan:
    from ..config.batching import micro_batches

    s, limit = cfg.sft, cfg.resources_for("sft").gpu_memory_gb * GIB
    world = s.num_workers if cfg.training.fsdp.enabled else 1
    split = micro_batches(s.batch_size * s.grad_accum, s.max_length, budget(cfg), s.grad_accum, "sft.grad_accum")
    shape = TrainShape(seqs=split.size, seq_len=s.max_length, logit_tokens=s.max_length, world=world,
                       lora=_lora(s.lora), **_precision(cfg))
    est = train_worker(arch, shape, 0.0, False, 0.0, cfg.plan.overhead_gb * GIB)
    plan = StagePlan("sft", f"{'LoRA r=' + str(s.lora.r) if s.lora else 'full fine-tuning'}, {s.num_workers} worker(s)"
                     f"{' FSDP x' + str(world) if world > 1 else ''}, micro-batch {split.size} x {s.max_length} tokens "
                     f"(accumulation {split.accumulation})", limit, [WorkerPlan("trainer", est)])
    if est.peak > limit:
        smaller = next((b for b in range(split.size - 1, 0, -1)
                        if train_worker(arch, TrainShape(**{**shape.__dict__, "seqs": b}), 0.0, False, 0.0,
                                        cfg.plan.overhead_gb * GIB).peak <= limit), None)
        need = f"stage sft needs {est.peak / GIB:.1f} GiB per GPU, resources.sft.gpu_memory_gb is {limit / GIB:g}"
        field, fix = (("training.max_tokens_per_micro_batch", f"set it to at most {(smaller or 1) * s.max_length}")
                      if budget(cfg) is not None else
                      ("sft.batch_size", f"set it to {smaller} and raise sft.grad_accum to keep the batch"))
        plan.problem = (ConfigError(field, f"{need}; {fix}") if smaller else
                        ConfigError("training.fsdp.enabled", f"{need} even at batch 1; shard with it (and "
                                                             "sft.num_workers > 1), use sft.lora, or lower sft.max_length"))
    return plan


def plan_generation(cfg: PipelineConfig, arch: Arch, kind: str, domains: list[str]) -> StagePlan:
    """distill and eval: engines only (eval closes its engine before the judge loads; distill keeps both)."""
    limit = cfg.resources_for(kind).gpu_memory_gb * GIB
    judge = JUDGE_SHARE * limit if _uses_judge(cfg, domains) else 0.0
    workers = cfg.distill.workers if kind == "distill" else 1
    est = _engine_row(cfg, arch, limit, judge if kind == "distill" else 0.0)
    if kind == "eval" and judge > est.parts["vllm"]:
        est = Estimate({**est.parts, "vllm": 0.0, "judge": judge}, judge + est.parts["overhead"], "judging")
    plan = StagePlan(kind, f"{workers} engine(s) x {cfg.rollout.gpu_memory_utilization:g} of the GPU, "
                     f"max_model_len {cfg.rollout.max_model_len}", limit, [WorkerPlan("engine", est)])
    plan.problem = _engine_problem(cfg, arch, limit, kind)
    return plan


def plan_served_judge(cfg: PipelineConfig) -> StagePlan | None:
    """The served judge's actor (judge.serve): vLLM's server at 0.9 of each of its GPUs (tensor parallel over
    serve_resources.num_gpus, pipeline/scoring/judge_server.py), on GPUs with resources.eval.gpu_memory_gb."""
    j = cfg.judge
    if not (j.backend == "openai" and j.serve and not j.base_url) or j.serve_resources.num_gpus <= 0:
        return None
    limit, gpus = cfg.resources_for("eval").gpu_memory_gb * GIB, j.serve_resources.num_gpus
    share = 0.9 * limit * min(gpus, 1.0)
    parts = {"vllm": share, "overhead": cfg.plan.overhead_gb * GIB}
    plan = StagePlan("judge (served)", f"{j.model} on {gpus:g} GPU(s), max_model_len {cfg.rollout.max_model_len}",
                     limit, [WorkerPlan("judge actor", Estimate(parts, min(sum(parts.values()), limit), "generation"))])
    try:
        arch = load_arch(j.model)
    except ConfigError as e:
        plan.summary += f"; weights not checked ({e.message.split(';')[0]})"
        return plan
    tp = max(1, int(gpus))
    room = share * tp - arch.params * 2 - kv_bytes(arch, cfg.rollout.max_model_len)
    if room < 0:
        plan.problem = ConfigError("judge.serve_resources.num_gpus", f"the judge {j.model} ({arch.params * 2 / GIB:.1f} GiB "
                                   f"in bf16) does not fit {tp} GPU(s) at 0.9 of {limit / GIB:g} GiB with one "
                                   f"{cfg.rollout.max_model_len}-token sequence; give it more GPUs")
    return plan


def plan_config(cfg: PipelineConfig) -> tuple[Arch, list[StagePlan]]:
    """The architecture the plan read, and every stage's plan, in run order."""
    arch = load_arch(cfg.model, cfg.plan.model_config_path)
    plans = [plan_rl(cfg, arch, b, name) for name, b in expert_batches(cfg)]
    if "distill" in cfg.stages:
        plans.append(plan_generation(cfg, arch, "distill", cfg.domains))
    if "sft" in cfg.stages:
        plans.append(plan_sft(cfg, arch))
    if "mixed" in cfg.stages:
        plans.append(plan_rl(cfg, arch, mixed_batch(cfg), "mixed"))
    if "eval" in cfg.stages:
        plans.append(plan_generation(cfg, arch, "eval", cfg.domains))
    judge = plan_served_judge(cfg)
    if judge is not None:
        plans.append(judge)
    return arch, plans


def check_plan(cfg: PipelineConfig) -> tuple[Arch, list[StagePlan]]:
    """plan_config, raising the first stage's problem (a one-line ConfigError) when ``plan.check`` is on. The
    FSDP settings are checked as the GPU trainer will take them (pipeline/train/fsdp.py)."""
    from ..train.fsdp import fsdp_args

    fsdp_args(cfg.training.model_dump(), cuda=True)
    arch, plans = plan_config(cfg)
    problem = next((p.problem for p in plans if p.problem), None)
    if problem is not None and cfg.plan.check:
        raise problem
    return arch, plans
