"""Eval stage: score every model of the run on every domain's held-out split, with a cache.

For each model (the base model, plus any checkpoint an upstream stage recorded in its
manifest as ``outputs.checkpoint``, labelled by stage name: ``expert:math``, ``sft``,
``mixed``) and each mode in ``cfg.eval.modes``, sample ``cfg.eval.samples`` completions per
held-out prompt, score them with the same reward router the training uses, and aggregate
per-domain metrics with 95% confidence intervals (pipeline/scoring/metrics.py).

Cost: one rollout engine serves the whole stage. The first model builds it; each next model
is swapped in with ``sync_weights`` (seconds) when only its weights differ
(pipeline/stages/eval_generate.py), and all domains and modes of a model go to the engine in
one generate call. Then the engine is closed and **one fixed judge** is loaded: the
``judge.model`` weights in their own engine (or the configured endpoint), never the engine of a
model under evaluation, so no model grades its own writing. It scores each model's samples in one
batch (per model, so a model's scores do not depend on which other models the run evaluates: a
judge's greedy output can shift with batch composition on CPU kernels), and ``metrics.json``
names it (``judge``: model, path, checkpoint hash). Known limit: the judge engine's prefix cache is
shared across models, so a near-tie verdict can still differ from a run that judged one model alone.

Writes ``eval/metrics.json``:
``{"models": {model: {domain: {metric: value, metric_ci: [lo, hi], n_prompts, n_samples}}},
"comparisons": [{a, b, domain, metric, diff, ci, n_prompts, significant}], "judge": {...},
"statistics": {...}}`` (mode "non_thinking" is the plain domain key; other modes are keyed
``<domain>@<mode>``; comparisons are paired over prompts, pipeline/scoring/compare.py), and
``eval/samples.jsonl`` with every scored completion.

Cache: a model's scored samples are stored under ``eval/cache/<key>.samples.jsonl`` (+ a
``<key>.json`` summary), keyed by (checkpoint hash, eval config hash, judge hash). The
checkpoint hash covers the resolved folder's config.json and tokenizer files (contents) and its
weight files (name, size, mtime), so it is cheap and changes whenever the weights are
rewritten. A rerun for an unchanged model, eval config and judge reads the samples back instead
of regenerating; metrics are always recomputed from the samples. Not in the paper (an
engineering choice). Extra checkpoints named in the config are not supported yet.

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
from ..io import write_json_atomic, write_jsonl_atomic  # noqa: F401  (write_jsonl_atomic: also imported from here)
from ..run.manifest import read_record, stage_dir
from ..scoring.metrics import domain_key, domain_metrics, prompt_stats
from . import StageResult, register_stage

log = logging.getLogger(__name__)

CACHE_VERSION = 3  # 3: samples from before the tied lm_head re-pack after a weight swap (vllm_backend) are void
EVAL_SECTIONS = ("seed", "domains", "rollout", "rewards", "judge", "sandbox", "data", "eval")
HASHED_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "chat_template.jinja", "special_tokens_map.json")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
STATISTICS = {"ci_level": 0.95, "ci": "percentile bootstrap over prompts (2000 resamples, seeded); Wilson for rates",
              "comparisons": "paired bootstrap over the prompts both models answered; significant = CI excludes 0"}

Rows = dict[str, list[dict[str, Any]]]


def models_to_evaluate(cfg: PipelineConfig, run_dir: Path) -> dict[str, str]:
    models = {"base": cfg.model}
    for child in sorted(p for p in run_dir.iterdir() if p.is_dir()) if run_dir.exists() else []:
        r = read_record(run_dir, child.name)
        if r and r.checkpoint:
            models[r.stage] = r.checkpoint
    return models


def eval_rows(cfg: PipelineConfig) -> Rows:
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
    from ..rollout.build import engine_dtype

    data = cfg.model_dump(mode="json")
    # rollout.dtype auto follows training.dtype, so the engine's resolved dtype is part of the key
    payload = {"v": CACHE_VERSION, "engine_dtype": engine_dtype(cfg), **{s: data[s] for s in EVAL_SECTIONS}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def uses_judge(cfg: PipelineConfig) -> bool:
    from ..scoring.reward_factory import reward_lists

    return any(e["name"] in ("rubric_judge", "constitution_penalty") for entries in reward_lists(cfg).values() for e in entries)


def judge_identity(cfg: PipelineConfig) -> dict[str, Any] | None:
    """Which judge scored this eval: the same for every model of the run; None when no domain is judged."""
    if not uses_judge(cfg):
        return None
    j = cfg.judge
    ident: dict[str, Any] = {"backend": j.backend, "model": j.model, "guard": j.guard, "constitution": j.constitution}
    if j.backend == "vllm":
        from ..models import resolve_model

        ident.update(path=str(resolve_model(j.model)), checkpoint_hash=checkpoint_hash(j.model))
    else:
        ident["endpoint"] = j.base_url or "served by the stage (judge.serve)"
    return ident


def _groups(samples: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in samples:
        groups.setdefault(domain_key(r), []).append(r)
    return groups


def metrics_from_samples(samples: list[dict[str, Any]], pass_k: list[int], seed: int = 0) -> dict[str, dict[str, Any]]:
    return {key: domain_metrics(rows, pass_k, seed) for key, rows in _groups(samples).items()}


def stats_from_samples(samples: list[dict[str, Any]], pass_k: list[int]) -> dict[str, dict[str, Any]]:
    """Per domain key: the per-prompt (sum, count) data the paired comparisons resample."""
    return {key: prompt_stats(rows, pass_k) for key, rows in _groups(samples).items()}


def generate_and_score(cfg: PipelineConfig, models: dict[str, str], rows: Rows) -> tuple[dict[str, list], dict]:
    """``{label: scored samples}`` for ``{label: model}``, and the timing: generation on one engine
    (weights swapped between models), then each model's samples scored in one router call (one judge
    batch) by the fixed judge, loaded once after the generation engine is closed."""
    from ..run.progress import progress_bar
    from ..scoring.reward_factory import build_router
    from ..rollout import SamplingConfig
    from .eval_generate import ModelSwapper, sample_all

    sampling = SamplingConfig(n=cfg.eval.samples, max_tokens=cfg.rollout.max_tokens, temperature=cfg.eval.temperature,
                              top_p=cfg.rollout.top_p, seed=cfg.seed)
    generated: dict[str, list[dict[str, Any]]] = {}
    t0 = time.perf_counter()
    with ModelSwapper(cfg) as swapper, progress_bar(len(models), "eval: generate") as advance:
        for label, model in models.items():
            generated[label] = sample_all(swapper.load(model), rows, list(cfg.eval.modes), sampling,
                                          cfg.eval.thinking_max_tokens)
            advance(1)
    t1 = time.perf_counter()
    router = build_router(cfg, engine=None)  # engine=None: the judge loads judge.model itself, never a model under eval
    try:  # one batch per model: its scores never depend on which other models this run evaluates
        out = {label: router.score_rows(gen) for label, gen in generated.items()}
    finally:
        router.close()
    timing = {"generate_s": round(t1 - t0, 2), "score_s": round(time.perf_counter() - t1, 2),
              "switch_s": [round(s, 3) for s in swapper.switch_s], "engine_builds": swapper.builds}
    return out, timing


def evaluate_model(cfg: PipelineConfig, model: str, rows: Rows) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """One model, uncached: (metrics per domain key, scored samples); bench/learning.py's before/after."""
    samples = generate_and_score(cfg, {model: model}, rows)[0][model]
    return metrics_from_samples(samples, cfg.eval.pass_k, cfg.seed), samples


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def cache_key(cfg: PipelineConfig, model: str, judge: dict[str, Any] | None) -> tuple[str, dict[str, str]]:
    parts = {"checkpoint_hash": checkpoint_hash(model), "eval_config_hash": eval_config_hash(cfg),
             "judge_hash": (judge or {}).get("checkpoint_hash") or json.dumps(judge, sort_keys=True)}
    return hashlib.sha256(":".join(parts.values()).encode()).hexdigest()[:20], parts


def evaluate_cached(cfg: PipelineConfig, models: dict[str, str], rows: Callable[[], Rows], cache: Path,
                    judge: dict[str, Any] | None) -> tuple[dict[str, list], list[str], dict]:
    """({label: scored samples}, labels read from the cache, timing); ``rows()`` is only called on a miss."""
    keys = {label: cache_key(cfg, model, judge) for label, model in models.items()}
    samples: dict[str, list[dict[str, Any]]] = {}
    for label, (key, _) in keys.items():
        if (cache / f"{key}.samples.jsonl").exists() and (cache / f"{key}.json").exists():
            log.info("eval %s: cache hit %s (unchanged checkpoint, eval config and judge)", label, key)
            samples[label] = [{**r, "model": label} for r in _read_jsonl(cache / f"{key}.samples.jsonl")]
    misses = {label: model for label, model in models.items() if label not in samples}
    timing: dict[str, Any] = {}
    if misses:
        fresh, timing = generate_and_score(cfg, misses, rows())
        fresh = {label: [{**r, "model": label} for r in scored] for label, scored in fresh.items()}
        cache.mkdir(parents=True, exist_ok=True)
        for label, scored in fresh.items():
            key, parts = keys[label]
            write_jsonl_atomic(cache / f"{key}.samples.jsonl", scored)
            write_json_atomic(cache / f"{key}.json", {"model": models[label], "label": label, **parts,
                                                     "judge": judge, "created": time.time()})
        samples.update(fresh)
    hits = [label for label in models if label not in misses]
    return {label: samples[label] for label in models}, hits, timing


def evaluate_models(cfg: PipelineConfig, models: dict[str, str], out: Path) -> dict[str, Any]:
    """Evaluate ``{label: model}`` into ``out`` (metrics.json, samples.jsonl, cache/); print the table."""
    from ..scoring.compare import compare_models
    from ..run.summary_table import print_metrics_table

    rows = functools.cache(lambda: eval_rows(cfg))  # loaded once, on the first cache miss
    judge = judge_identity(cfg)
    samples, hits, timing = evaluate_cached(cfg, models, rows, out / "cache", judge)
    pass_k = cfg.eval.pass_k
    all_metrics = {label: metrics_from_samples(s, pass_k, cfg.seed) for label, s in samples.items()}
    comparisons = compare_models({label: stats_from_samples(s, pass_k) for label, s in samples.items()}, seed=cfg.seed)
    doc = {"models": all_metrics, "comparisons": comparisons, "judge": judge,
           "statistics": {**STATISTICS, "seed": cfg.seed}}
    from ..scoring.gold_judge import score_gold

    gold = score_gold(cfg, samples)  # gold_judge set: rescore the judged samples, training vs gold agreement
    if gold is not None:
        doc["judge_divergence"] = gold
    write_json_atomic(out / "metrics.json", doc)
    write_jsonl_atomic(out / "samples.jsonl", [r for s in samples.values() for r in s])
    print_metrics_table(all_metrics, comparisons=comparisons)
    return {**doc, "cache_hits": hits, "timing": timing}


@register_stage("eval")
def run_eval(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    out = stage_dir(run_dir, name)
    res = evaluate_models(cfg, models_to_evaluate(cfg, run_dir), out)
    return StageResult(outputs={"metrics": str(out / "metrics.json"), "samples": str(out / "samples.jsonl"),
                                "cache_hits": res["cache_hits"], "judge": res["judge"], "timing": res["timing"]},
                       metrics=res["models"])


def evaluate_external(cfg: PipelineConfig, model: str, out: Path, label: str | None = None) -> dict[str, Any]:
    """`posttrain eval --model PATH`: one model outside any run, same metrics and cache layout."""
    return evaluate_models(cfg, {label or model: model}, Path(out))
