"""How long a run will take on this machine: one line before the first stage, a time left on each bar.

The reference is the demo (``configs/demo.yaml``) measured with ``python -m bench.demo``
(``bench/results/demo.json``: seconds per stage) on a host whose fp32 matmul measured
``REFERENCE_GFLOPS`` in the same hour (``python -m bench.roofline``, ``bench/results/roofline.json``).
Before the first stage the driver measures this machine the same way, briefly (:func:`probe_gflops`:
the best fp32 2048² ``torch.mm`` rate at the thread count the stages get, about a second), and each
stage to run is estimated as

    reference seconds of its kind x (REFERENCE_GFLOPS / this machine's GFLOP/s) x (its work / the demo's)

where a stage's work is the tokens it generates or trains on, read from the config (:func:`stage_work`),
so a config with twice the demo's steps is estimated at twice the time. What it leaves out: memory
bandwidth (decode at small batch), the judge, eval cache hits, and start-up costs that do not scale
with the work (a tiny test config is estimated at seconds while its stages take tens of seconds to
start; a bar without progress past its estimate says how far over it is). On a GPU stage (``resources.<kind>.num_gpus > 0``) the CPU reference says nothing: no estimate.

Departure from the peers: TRL, verl and OpenRLHF show a rate-based ETA only (tqdm); a rate is blind
before a stage makes progress and across a stage's phases, so the bar here starts from the estimate
and moves toward the rate as the stage advances (:func:`remaining_seconds`).
"""
from __future__ import annotations

import math
import time
from typing import Any

from ..config import PipelineConfig
from ..vocab import STAGE_KINDS

# bench/results/demo.json (2026-12-07T16:23:51Z, commit 4d8a429) and its recorded roofline;
# tests/unit/pipeline/run/test_estimate.py checks these against those files and configs/demo.yaml.
REFERENCE_GFLOPS = 217.6
REFERENCE_SECONDS = {"expert": 285.17, "distill": 130.02, "sft": 220.82, "mixed": 75.0, "eval": 244.73, "report": 1.69}
REFERENCE_WALL_S = 970.9
REFERENCE_WORK = {"expert": 11520, "distill": 12288, "sft": 73728, "mixed": 768, "eval": 92160, "report": 1}
STARTUP_S = 13.5  # demo wall minus the sum of its stages: Ray start-up and the driver (not scaled)
PROBE_SHAPE = 2048
PROBE_BUDGET_S = 0.3


def _stage_threads(cfg: PipelineConfig, kinds: list[str]) -> int:
    import os

    want = max((cfg.resources_for(k).num_cpus for k in kinds), default=1)
    return max(1, min(os.cpu_count() or 1, math.ceil(want)))


def best_rate(fn: Any, work: float, budget_s: float) -> float:
    """Best work/second over repeated calls of ``fn`` within ``budget_s`` (after one warm-up call)."""
    fn()
    best, t_end = 0.0, time.perf_counter() + budget_s
    while True:
        t0 = time.perf_counter()
        fn()
        best = max(best, work / (time.perf_counter() - t0))
        if time.perf_counter() > t_end:
            return best


def probe_gflops(threads: int | None = None, budget_s: float = PROBE_BUDGET_S) -> tuple[float, float]:
    """(fp32 GFLOP/s, seconds the probe took): the best of a few 2048² ``torch.mm`` calls within
    ``budget_s`` after one warm-up, at ``threads`` torch threads (restored after)."""
    import torch

    t0 = time.perf_counter()
    old = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        n = PROBE_SHAPE
        a, b, out = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
        best = best_rate(lambda: torch.mm(a, b, out=out), 2.0 * n ** 3, budget_s)
    finally:
        torch.set_num_threads(old)
    return best / 1e9, time.perf_counter() - t0


def _expert_work(cfg: PipelineConfig, domain: str) -> float:
    from experts.base import get_expert

    s = get_expert(domain).training_defaults()
    override = cfg.experts.get(domain)
    if override is not None:
        s.update({k: v for k, v in override.model_dump().items() if v is not None and k in s})
    return s["steps"] * s["group_size"] * (s.get("prompts_per_step") or 1) * s["max_tokens"]


def stage_work(cfg: PipelineConfig, name: str) -> float:
    """Tokens a stage generates (RL, distillation, eval) or trains on (SFT, an upper bound: every kept answer
    at max_length); the unit only matters relative to the demo's (``REFERENCE_WORK``)."""
    kind = name.split(":", 1)[0]
    d, gen = cfg.distill, cfg.rollout.max_tokens
    if kind == "expert":
        return _expert_work(cfg, name.split(":", 1)[1])
    if kind == "distill":
        return len(cfg.domains) * len(d.modes) * d.prompts_per_domain * d.samples_per_prompt * (d.max_tokens or gen)
    if kind == "sft":
        return len(cfg.domains) * len(d.modes) * d.prompts_per_domain * d.keep_per_prompt * cfg.sft.epochs * cfg.sft.max_length
    if kind == "mixed":
        m = cfg.mixed
        return m.steps * m.group_size * m.prompts_per_step * (m.max_tokens or gen)
    if kind == "eval":
        from ..config import DataSource

        models = 1 + (len(cfg.experts) if "expert" in cfg.stages else 0) + sum(k in cfg.stages for k in ("sft", "mixed"))
        prompts = sum(cfg.data.get(dom, DataSource()).eval_size for dom in cfg.domains)
        return models * prompts * cfg.eval.samples * len(cfg.eval.modes) * gen
    return 1.0


def stage_estimates(cfg: PipelineConfig, names: list[str], gflops: float) -> dict[str, float]:
    """Estimated seconds per stage name on a machine measuring ``gflops``."""
    speed = REFERENCE_GFLOPS / max(gflops, 1e-3)
    out = {}
    for name in names:
        kind = name.split(":", 1)[0]
        if kind not in REFERENCE_SECONDS:  # a user-registered stage kind: nothing to scale from
            continue
        out[name] = REFERENCE_SECONDS[kind] * speed * stage_work(cfg, name) / REFERENCE_WORK[kind]
    return out


def total_seconds(estimates: dict[str, float], names: list[str], parallel: int = 1) -> float:
    """Wall time of the stages: the experts' wave runs ``parallel`` of them side by side (Ray fits as many as
    the CPUs hold), the rest one after another, plus the start-up."""
    experts = [estimates[n] for n in names if n.startswith("expert:") and n in estimates]
    wave = max(max(experts, default=0.0), sum(experts) / max(1, min(parallel, len(experts) or 1)))
    return STARTUP_S + wave + sum(estimates.get(n, 0.0) for n in names if not n.startswith("expert:"))


def expert_parallelism(cfg: PipelineConfig) -> int:
    """How many expert stages fit on this machine's CPUs at once (their ``resources.expert.num_cpus``)."""
    import os

    need = cfg.resources_for("expert").num_cpus
    return max(1, int((os.cpu_count() or 1) // need)) if need > 0 else len(cfg.experts) or 1


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def estimate_line(total_s: float, gflops: float, probe_s: float, threads: int) -> str:
    """The line printed before the first stage."""
    ratio = REFERENCE_GFLOPS / max(gflops, 1e-3)
    return (f"estimate: about {minutes(total_s)} on this machine (fp32 matmul {gflops:.0f} GFLOP/s at {threads} "
            f"thread(s), probed in {probe_s:.1f}s; the demo took {minutes(REFERENCE_WALL_S)} at "
            f"{REFERENCE_GFLOPS:.0f} GFLOP/s, so stages here take about {ratio:.2g}x as long per unit of work)")


def plan_estimate(cfg: PipelineConfig, names: list[str]) -> tuple[str, dict[str, float]]:
    """(the line to print, seconds per stage) for the stages about to run; no probe for GPU stages."""
    kinds = list(dict.fromkeys(n.split(":", 1)[0] for n in names if n.split(":", 1)[0] in STAGE_KINDS))
    if any(cfg.resources_for(k).num_gpus > 0 for k in kinds):
        return "estimate: none for GPU stages (the reference timings are a CPU run)", {}
    threads = _stage_threads(cfg, kinds)
    gflops, probe_s = probe_gflops(threads)
    per_stage = stage_estimates(cfg, names, gflops)
    total = total_seconds(per_stage, names, expert_parallelism(cfg))
    return estimate_line(total, gflops, probe_s, threads), per_stage


def remaining_seconds(elapsed: float, fraction: float | None, estimate: float | None) -> float | None:
    """Seconds left on a stage: the estimate minus the time spent before the bar moves, the rate's
    projection ``elapsed * (1 - f) / f`` as it nears the end, a blend weighted by the fraction ``f`` done
    in between; None with neither an estimate nor progress."""
    from_estimate = None if estimate is None else max(estimate - elapsed, 0.0)
    if not fraction or fraction <= 0:
        return from_estimate
    f = min(fraction, 1.0)
    from_rate = elapsed * (1.0 - f) / f
    return from_rate if from_estimate is None else (1.0 - f) * from_estimate + f * from_rate


def clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def remaining_text(elapsed: float, fraction: float | None, estimate: float | None) -> str:
    """``~m:ss left``; ``+m:ss over the estimate`` once a stage without progress outlives its estimate."""
    if estimate is not None and not fraction and elapsed > estimate:
        return f"+{clock(elapsed - estimate)} over the estimate"
    left = remaining_seconds(elapsed, fraction, estimate)
    return "" if left is None else f"~{clock(left)} left"

