"""Eval stage: score every model of the run on every domain's held-out split.

For each model (the base model, plus any checkpoint an upstream stage recorded in its
manifest as ``outputs.checkpoint``) and each mode in ``cfg.eval.modes``, sample
``cfg.eval.samples`` completions per held-out prompt with the RolloutEngine, score them with
the same reward router the training uses, and aggregate per-domain metrics.

Writes ``eval/metrics.json`` as ``{"models": {model: {domain: {metric: value}}}}`` (mode
"non_thinking" is the plain domain key; other modes are keyed ``<domain>@<mode>``) and
``eval/samples.jsonl`` with every scored completion.

    posttrain stage eval configs/demo.yaml
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..config import PipelineConfig
from ..manifest import read_manifest, stage_dir, write_json_atomic
from ..metrics import domain_metrics
from . import StageResult, register_stage

log = logging.getLogger(__name__)


def models_to_evaluate(cfg: PipelineConfig, run_dir: Path) -> dict[str, str]:
    models = {"base": cfg.model}
    for child in sorted(p for p in run_dir.iterdir() if p.is_dir()) if run_dir.exists() else []:
        m = read_manifest(run_dir, child.name)
        ckpt = (m or {}).get("outputs", {}).get("checkpoint") if (m or {}).get("status") == "complete" else None
        if ckpt:
            models[m["stage"]] = ckpt
    return models


def eval_rows(cfg: PipelineConfig) -> dict[str, list[dict[str, Any]]]:
    from ..data import load_split

    return {d: load_split(cfg, d, "eval") for d in cfg.domains}


def evaluate_model(cfg: PipelineConfig, model: str, rows_by_domain: dict[str, list[dict[str, Any]]]) -> tuple[dict, list]:
    from ..models import resolve_model
    from ..progress import progress_bar
    from ..reward_factory import build_router
    from ..rollout import SamplingConfig, build_engine
    from ..sampling import sample_rows

    engine = build_engine(str(resolve_model(model)), backend=cfg.rollout.backend, max_model_len=cfg.rollout.max_model_len,
                          kv_cache_gb=cfg.rollout.kv_cache_gb, seed=cfg.seed)
    router = build_router(cfg, engine=engine)
    sampling = SamplingConfig(n=cfg.eval.samples, max_tokens=cfg.rollout.max_tokens, temperature=cfg.eval.temperature,
                              top_p=cfg.rollout.top_p, seed=cfg.seed)
    metrics: dict[str, dict[str, float]] = {}
    scored_all: list[dict[str, Any]] = []
    total = sum(len(r) for r in rows_by_domain.values()) * len(cfg.eval.modes)
    with progress_bar(total, f"eval {model}") as advance:
        for mode in cfg.eval.modes:
            for domain, rows in rows_by_domain.items():
                completions = sample_rows(engine, rows, sampling, mode, progress=advance)
                scored = router.score_rows(completions)
                key = domain if mode == "non_thinking" else f"{domain}@{mode}"
                metrics[key] = domain_metrics(scored, cfg.eval.pass_k)
                scored_all.extend({**r, "model": model} for r in scored)
    engine.close()
    return metrics, scored_all


@register_stage("eval")
def run_eval(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    out = stage_dir(run_dir, name)
    out.mkdir(parents=True, exist_ok=True)
    rows = eval_rows(cfg)
    all_metrics: dict[str, Any] = {}
    samples: list[dict[str, Any]] = []
    for label, model in models_to_evaluate(cfg, run_dir).items():
        all_metrics[label], scored = evaluate_model(cfg, model, rows)
        samples.extend({**r, "model": label} for r in scored)
    write_json_atomic(out / "metrics.json", {"models": all_metrics})
    tmp = out / ".samples.jsonl.tmp"
    with tmp.open("w") as f:
        for r in samples:
            f.write(json.dumps(r, default=str) + "\n")
    tmp.replace(out / "samples.jsonl")
    from ..progress import print_metrics_table

    print_metrics_table(all_metrics)
    return StageResult(outputs={"metrics": str(out / "metrics.json"), "samples": str(out / "samples.jsonl")},
                       metrics=all_metrics)
