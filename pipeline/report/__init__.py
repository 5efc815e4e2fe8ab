"""Eval report: ``index.html`` (self-contained), ``report.md`` and ``metrics.json`` for a run.

    posttrain report runs/demo                        # -> runs/demo/report/
    posttrain report runs/a runs/b                    # -> runs/a/report_compare/ (side by side)
    posttrain stage report configs/demo.yaml          # the pipeline's last stage

``collect`` reads the run directory, ``tables`` turns it into plain tables, ``plots`` draws
PNGs (inlined as data: URIs), ``html`` / ``markdown`` render. ``metrics.json`` repeats the
eval stage's ``{"models": {model: {domain: {metric: value, metric_ci: [lo, hi], n_prompts,
n_samples}}}, "comparisons": [...], "judge": {...}, "statistics": {...}}``; a comparison of two
runs has ``{"runs": {run_name: {"models": ..., "comparisons": ..., "judge": ...}}}``, keys
``models`` as ``<run>/<model>``, and ``run_comparison``: ``{a, b, seed, rows: [{model, domain, metric,
diff (B - A), ci, n_prompts, n_mismatched, significant}]}``, paired over the prompts both runs share. Every headline number is shown with its 95% CI and n; a paired
difference is marked significant only when its CI excludes 0.
A run directory without eval results raises InputError (exit 2 on the CLI).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .collect import RunData, collect_run


def run_context(run: RunData) -> dict[str, Any]:
    """Everything the renderers show for one run, as plain data (tables) and data: URIs (plots)."""
    from . import constitution, modes, plots, tables

    return {
        "name": run.name, "dir": str(run.run_dir), "summary": tables.summary(run.metrics),
        "all_metrics": tables.all_metrics(run.metrics), "forgetting": tables.forgetting(run.metrics, run.comparisons),
        "paired": tables.paired(run.metrics, run.comparisons), "judge_identity": run.judge,
        "reward_vs_correctness": tables.reward_vs_correctness(run.metrics),
        "mode_following": modes.mode_rows(run.metrics),
        "statistics": run.statistics,
        "curves": plots.training_curves(run.train_logs), "lengths": plots.length_histograms(run.samples),
        "judge": tables.judge_rows(run.metrics), "samples": tables.pick_samples(run.samples),
        "divergence": constitution.divergence_rows(run.judge_divergence), "penalty": constitution.penalty_rows(run.samples),
        "durations": tables.durations(run.manifests),
        "config": json.dumps(run.config, indent=2, sort_keys=True, default=str) if run.config else "(config.json not found)",
    }


def eval_doc(run: RunData) -> dict[str, Any]:
    """What metrics.json holds for one run: the eval stage's metrics, comparisons, judge and statistics."""
    doc = {"models": run.metrics, "comparisons": run.comparisons, "judge": run.judge, "statistics": run.statistics}
    return {**doc, "judge_divergence": run.judge_divergence} if run.judge_divergence else doc


def _seed(run: RunData) -> int:
    seed = (run.config or {}).get("seed", 0)
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else 0


def run_comparison(a: RunData, b: RunData) -> list[dict[str, Any]]:
    """B - A per (model, domain, metric), paired over the prompts both runs' samples share (seeded by A's config)."""
    from ..scoring.compare import compare_runs

    return compare_runs(a.samples, b.samples, seed=_seed(a))


def write_report(runs: list[RunData], output: Path) -> dict[str, Path]:
    from .html import render_html
    from .markdown import render_markdown
    from .tables import comparison
    from ..io import write_json_atomic, write_text_atomic

    compare = len(runs) > 1
    paired_rows = run_comparison(runs[0], runs[1]) if compare else []
    context = {"title": "posttrain report: " + " vs ".join(r.name for r in runs),
               "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
               "runs": [run_context(r) for r in runs],
               "comparison": comparison(runs[0].metrics, runs[1].metrics, paired_rows) if compare else None}
    output.mkdir(parents=True, exist_ok=True)
    paths = {"html": output / "index.html", "markdown": output / "report.md", "metrics": output / "metrics.json"}
    for key, render in (("html", render_html), ("markdown", render_markdown)):
        write_text_atomic(paths[key], render(context))
    if compare:
        metrics = {"models": {f"{r.name}/{m}": v for r in runs for m, v in r.metrics.items()},
                   "runs": {r.name: eval_doc(r) for r in runs},
                   "run_comparison": {"a": runs[0].name, "b": runs[1].name, "seed": _seed(runs[0]), "rows": paired_rows}}
    else:
        metrics = eval_doc(runs[0])
    write_json_atomic(paths["metrics"], metrics)
    return paths


def render_report(run_dirs: list[str | Path], output: str | Path | None = None,
                  config: dict[str, Any] | None = None) -> dict[str, Path]:
    """Render one run (``<run>/report/``) or compare two (``<run_a>/report_compare/``)."""
    from ..errors import InputError

    if not 1 <= len(run_dirs) <= 2:
        raise InputError(f"report takes one run directory or two to compare, got {len(run_dirs)}")
    runs = [collect_run(d, config) for d in run_dirs]
    if len(runs) == 2 and runs[0].name == runs[1].name:  # same folder name: tell them apart by position
        runs[0].label, runs[1].label = f"A:{runs[0].name}", f"B:{runs[1].name}"
    default = runs[0].run_dir / ("report_compare" if len(runs) > 1 else "report")
    return write_report(runs, Path(output) if output else default)
