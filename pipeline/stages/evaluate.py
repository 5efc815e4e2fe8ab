"""Eval stage: score every model of the run on every domain's held-out split, with a cache.

For each model (the base model, plus any checkpoint an upstream stage recorded in its
manifest as ``outputs.checkpoint``, labelled by stage name: ``expert:math``, ``sft``,
``mixed``) and each mode in ``cfg.eval.modes``, sample ``cfg.eval.samples`` completions per
held-out prompt with the RolloutEngine, score them with the same reward router the training
uses, and aggregate per-domain metrics (pipeline/metrics.py).

Writes ``eval/metrics.json`` as ``{"models": {model: {domain: {metric: value}}}}`` (mode
"non_thinking" is the plain domain key; other modes are keyed ``<domain>@<mode>``) and
``eval/samples.jsonl`` with every scored completion.

Cache: a model's scored samples are stored under ``eval/cache/<key>.samples.jsonl`` (+ a
``<key>.json`` summary), keyed by (checkpoint hash, eval config hash). The checkpoint hash
covers the resolved folder's config.json and tokenizer files (contents) and its weight files
(name, size, mtime), so it is cheap and changes whenever the weights are rewritten. A rerun
for an unchanged model and eval config reads the samples back instead of regenerating;
metrics are always recomputed from the samples. Not in the paper (an engineering choice).
Extra checkpoints named in the config are not supported yet (no config field).

    posttrain stage eval configs/demo.yaml
    posttrain eval --model runs/demo/mixed/checkpoint --config configs/demo.yaml --output /tmp/ev
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any, Callable

from ..config import PipelineConfig
from ..manifest import read_manifest, stage_dir, write_json_atomic
from ..metrics import domain_metrics
from . import StageResult, register_stage

log = logging.getLogger(__name__)

CACHE_VERSION = 1
EVAL_SECTIONS = ("seed", "domains", "rollout", "rewards", "judge", "sandbox", "data", "eval")
HASHED_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "chat_template.jinja", "special_tokens_map.json")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")


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


def checkpoint_hash(model: str) -> str:
    """Hash of a model folder (aliases and hub ids are resolved to their folder first)."""
    from ..models import resolve_model

    folder = Path(resolve_model(model))
    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for name in HASHED_FILES:
        if (folder / name).is_file():
            h.update(name.encode() + b"\0" + (folder / name).read_bytes())
    for f in sorted(p for p in folder.iterdir() if p.suffix in WEIGHT_SUFFIXES and p.is_file()):
        st = f.stat()
        h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def eval_config_hash(cfg: PipelineConfig) -> str:
    data = cfg.model_dump(mode="json")
    payload = {"v": CACHE_VERSION, **{s: data[s] for s in EVAL_SECTIONS}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def metric_key(domain: str, mode: str) -> str:
    return domain if mode == "non_thinking" else f"{domain}@{mode}"


def metrics_from_samples(samples: list[dict[str, Any]], pass_k: list[int]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in samples:
        groups.setdefault(metric_key(str(r.get("domain")), str(r.get("mode") or "non_thinking")), []).append(r)
    return {key: domain_metrics(rows, pass_k) for key, rows in groups.items()}


def evaluate_model(cfg: PipelineConfig, model: str, rows_by_domain: dict[str, list[dict[str, Any]]]) -> tuple[dict, list]:
    from ..models import resolve_model
    from ..progress import progress_bar
    from ..reward_factory import build_router
    from ..engines import rollout_engine
    from ..rollout import SamplingConfig
    from ..sampling import sample_rows

    engine = rollout_engine(cfg, str(resolve_model(model)))
    router = build_router(cfg, engine=engine)
    sampling = SamplingConfig(n=cfg.eval.samples, max_tokens=cfg.rollout.max_tokens, temperature=cfg.eval.temperature,
                              top_p=cfg.rollout.top_p, seed=cfg.seed)
    scored_all: list[dict[str, Any]] = []
    total = sum(len(r) for r in rows_by_domain.values()) * len(cfg.eval.modes)
    try:
        with progress_bar(total, f"eval {model}") as advance:
            for mode in cfg.eval.modes:
                for rows in rows_by_domain.values():
                    completions = sample_rows(engine, rows, sampling, mode, progress=advance)
                    scored_all.extend({**r, "model": model} for r in router.score_rows(completions))
    finally:
        router.close()
        engine.close()
    return metrics_from_samples(scored_all, cfg.eval.pass_k), scored_all


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_jsonl_atomic(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w") as f:
        for r in rows:
            f.write(json.dumps(r, default=str) + "\n")
    tmp.replace(path)


def evaluate_cached(cfg: PipelineConfig, model: str, rows: Callable[[], dict[str, list[dict[str, Any]]]],
                    cache: Path) -> tuple[dict, list, bool]:
    """(metrics, samples, cache_hit) for one model; ``rows()`` is only called on a miss."""
    ckpt, conf = checkpoint_hash(model), eval_config_hash(cfg)
    key = hashlib.sha256(f"{ckpt}:{conf}".encode()).hexdigest()[:20]
    samples_path, meta_path = cache / f"{key}.samples.jsonl", cache / f"{key}.json"
    if samples_path.exists() and meta_path.exists():
        log.info("eval %s: cache hit %s (unchanged checkpoint and eval config)", model, key)
        samples = _read_jsonl(samples_path)
        return metrics_from_samples(samples, cfg.eval.pass_k), samples, True
    metrics, samples = evaluate_model(cfg, model, rows())
    cache.mkdir(parents=True, exist_ok=True)
    write_jsonl_atomic(samples_path, samples)
    write_json_atomic(meta_path, {"model": model, "checkpoint_hash": ckpt, "eval_config_hash": conf,
                                  "created": time.time(), "metrics": metrics})
    return metrics, samples, False


def evaluate_models(cfg: PipelineConfig, models: dict[str, str], out: Path) -> dict[str, Any]:
    """Evaluate ``{label: model}`` into ``out`` (metrics.json, samples.jsonl, cache/); print the table."""
    from ..progress import print_metrics_table

    rows = functools.cache(lambda: eval_rows(cfg))  # loaded once, on the first cache miss
    all_metrics: dict[str, Any] = {}
    samples: list[dict[str, Any]] = []
    hits: list[str] = []
    for label, model in models.items():
        metrics, scored, hit = evaluate_cached(cfg, model, rows, out / "cache")
        all_metrics[label] = metrics
        samples.extend({**r, "model": label} for r in scored)
        hits += [label] if hit else []
    write_json_atomic(out / "metrics.json", {"models": all_metrics})
    write_jsonl_atomic(out / "samples.jsonl", samples)
    print_metrics_table(all_metrics)
    return {"models": all_metrics, "cache_hits": hits}


@register_stage("eval")
def run_eval(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    out = stage_dir(run_dir, name)
    res = evaluate_models(cfg, models_to_evaluate(cfg, run_dir), out)
    return StageResult(outputs={"metrics": str(out / "metrics.json"), "samples": str(out / "samples.jsonl"),
                                "cache_hits": res["cache_hits"]}, metrics=res["models"])


def evaluate_external(cfg: PipelineConfig, model: str, out: Path, label: str | None = None) -> dict[str, Any]:
    """`posttrain eval --model PATH`: one model outside any run, same metrics and cache layout."""
    return evaluate_models(cfg, {label or model: model}, Path(out))
