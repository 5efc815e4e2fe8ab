"""Gold judge at eval: a second (stronger) judge rescores the judged samples, so judge hacking shows.

    gold_judge: {backend: openai, base_url: http://big-judge:8000/v1, model: Qwen/Qwen3-32B}   # config
    divergence = score_gold(cfg, samples)    # in the eval stage, after the training judge scored

``cfg.gold_judge`` is a JudgeConfig (any OpenAI-compatible endpoint, or a local model on the
in-process vLLM backend) used only here. Every eval sample the training judge scored
(component ``rubric_judge``) is scored again with the same constitution and rubric by the gold
judge; the sample gets ``gold_judge`` (score in [0, 1] or None) and ``gold_status``. The
divergence per model and domain: ``n`` (pairs where both judged), ``pearson`` (None when either
side is constant or n < 2), ``mean_diff`` (training − gold; positive = the training judge is
more generous), ``train_mean``, ``gold_mean``, ``errors`` (samples the gold judge could not score:
unreachable, timeout, garbage — they never stall the eval, see rewards/judge_backends.py).
Judge hacking reads as ``train_mean`` rising across models while ``gold_mean`` stays flat.
"""
from __future__ import annotations

import math
from statistics import mean
from typing import Any

from ..config import PipelineConfig
from ..paths import resolve_path

TRAIN = "rubric_judge"


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson correlation, or None when it is undefined (fewer than 2 pairs or a constant side)."""
    if len(xs) < 2:
        return None
    mx, my = mean(xs), mean(ys)
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    if sx == 0 or sy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (sx * sy)


def divergence(samples: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{model: {domain: {n, pearson, mean_diff, train_mean, gold_mean, errors}}}`` over rows with both scores."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for model, rows in samples.items():
        by_domain: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            if "gold_status" in r:
                by_domain.setdefault(str(r.get("domain")), []).append(r)
        for domain, rs in sorted(by_domain.items()):
            pairs = [(r["components"][TRAIN], r["gold_judge"]) for r in rs
                     if r["gold_judge"] is not None and (r.get("components") or {}).get(TRAIN) is not None]
            xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
            r_ = pearson(xs, ys)
            out.setdefault(model, {})[domain] = {
                "n": len(pairs), "pearson": None if r_ is None else round(r_, 4),
                "mean_diff": round(mean(x - y for x, y in pairs), 4) if pairs else None,
                "train_mean": round(mean(xs), 4) if xs else None, "gold_mean": round(mean(ys), 4) if ys else None,
                "errors": sum(r["gold_status"] in ("error", "timeout", "unparseable") for r in rs)}
    return out


def gold_router_judge(cfg: PipelineConfig) -> Any:
    """The gold RubricJudge, built from ``cfg.gold_judge`` the way the training judge is built."""
    from rewards.constitution import load_constitution
    from rewards.judge import RubricJudge

    from .reward_factory import build_judge_backend

    gold = cfg.gold_judge
    backend = build_judge_backend(cfg.model_copy(update={"judge": gold}), engine=None)
    return RubricJudge(backend=backend, constitution=load_constitution(resolve_path(gold.constitution)), guard=gold.guard)


def score_gold(cfg: PipelineConfig, samples: dict[str, list[dict[str, Any]]],
               judge: Any = None) -> dict[str, dict[str, dict[str, Any]]] | None:
    """Score the training-judged samples with the gold judge (in place) and return the divergence;
    None when no gold judge is configured. ``judge`` overrides the configured one (tests)."""
    if cfg.gold_judge is None and judge is None:
        return None
    todo = [r for rows in samples.values() for r in rows if TRAIN in (r.get("components") or {})]
    if todo:
        judge = judge or gold_router_judge(cfg)
        try:
            results = judge(todo)
        finally:
            close = getattr(judge, "close", None)
            if callable(close):
                close()
        for row, res in zip(todo, results):
            row["gold_judge"], row["gold_status"] = res.score, res.status
    return divergence(samples)
