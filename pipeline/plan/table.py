"""Render the memory plan: a header naming the model's shape and where it came from, then one small table per
stage (a row per worker: the components in GiB, the peak against the GPU's memory, the phase it peaks in).
"""
from __future__ import annotations

from .arch import Arch
from .estimate import GIB
from .workloads import StagePlan

COLUMNS = (("weights", "weights"), ("grads", "grads"), ("optimizer", "optim"), ("copies", "copies"),
           ("reference", "ref"), ("activations", "activ"), ("logits", "logits"), ("vllm", "vLLM"),
           ("judge", "judge"), ("overhead", "other"))


def _gib(x: float) -> str:
    return f"{x / GIB:.1f}" if x else "-"


def render_stage(plan: StagePlan) -> list[str]:
    status = "FITS" if plan.peak <= plan.limit else "DOES NOT FIT"
    lines = [f"{plan.stage}: {plan.summary}  [{status}]"]
    head = f"  {'worker':<13}" + "".join(f"{short:>8}" for _, short in COLUMNS) + f"{'peak GiB':>17}  phase"
    lines.append(head)
    for w in plan.workers:
        cells = "".join(f"{_gib(w.est.parts.get(key, 0.0)):>8}" for key, _ in COLUMNS)
        peak = f"{w.est.peak / GIB:.1f} / {plan.limit / GIB:g}"
        lines.append(f"  {w.name:<13}{cells}{peak:>17}  {w.est.phase}")
    if plan.problem is not None:
        lines.append(f"  -> {plan.problem}")
    return lines


def render(model: str, arch: Arch, plans: list[StagePlan]) -> str:
    kind = f"MoE {arch.experts} experts, {arch.experts_per_token} active" if arch.experts else "dense"
    lines = [f"memory plan for {model}: {arch.params / 1e9:.2f} B parameters ({kind}), {arch.layers} layers, hidden "
             f"{arch.hidden}, vocabulary {arch.vocab}; shape from {arch.source}",
             "per GPU, GiB (2^30 bytes); peak = max(generation phase, training phase); columns: pipeline/plan/estimate.py",
             ""]
    for plan in plans:
        lines += render_stage(plan) + [""]
    if not plans:
        lines.append("no stage of this config runs on a GPU")
    return "\n".join(lines).rstrip() + "\n"
