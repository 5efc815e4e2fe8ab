"""Read a run directory into a :class:`RunData` for the report.

Sources (every one but the eval metrics is optional):
- ``eval/metrics.json``  ``{"models": {model: {domain: {metric: value}}}}`` (required), with the eval
  stage's ``comparisons`` (paired differences), ``judge`` (which judge scored) and ``statistics``
- ``eval/samples.jsonl`` scored completions (row + completion, reward, components, status, ...)
- ``<stage>/train_log.jsonl`` one JSON object per logging step (written by pipeline/train/train_log.py)
- ``<stage>/manifest.json`` status, timing, outputs per stage
- ``config.json`` the config as it ran (``posttrain run`` writes it)
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

log = logging.getLogger(__name__)


@dataclass
class RunData:
    run_dir: Path
    metrics: dict[str, dict[str, dict[str, float]]]
    samples: list[dict[str, Any]] = field(default_factory=list)
    train_logs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    label: str | None = None
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    judge: dict[str, Any] | None = None
    statistics: dict[str, Any] | None = None
    judge_divergence: dict[str, Any] | None = None
    """Training vs gold judge agreement per model and domain (pipeline/scoring/gold_judge.py), when configured."""

    @property
    def name(self) -> str:
        return self.label or self.run_dir.name


def _jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            log.warning("%s:%d: not JSON, skipped", path, i)
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def load_metrics(run_dir: Path) -> dict[str, dict[str, dict[str, float]]]:
    return load_eval(run_dir)["models"]


def load_eval(run_dir: Path) -> dict[str, Any]:
    """The eval stage's whole metrics.json (``models`` checked present and non-empty)."""
    path = run_dir / "eval" / "metrics.json"
    data = _json(path)
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict) or not data["models"]:
        what = "does not exist" if not run_dir.is_dir() else f"has no eval results ({path.relative_to(run_dir)})"
        raise InputError(f"run directory {str(run_dir)!r} {what}; run the eval stage first: "
                         f"posttrain stage eval CONFIG --output {run_dir}")
    return data


def collect_run(run_dir: str | Path, config: dict[str, Any] | None = None) -> RunData:
    """Everything the report shows for one run; ``config`` is used when config.json is absent."""
    run_dir = Path(run_dir)
    ev = load_eval(run_dir)
    data = RunData(run_dir=run_dir, metrics=ev["models"], config=_json(run_dir / "config.json") or config,
                   comparisons=[c for c in ev.get("comparisons") or [] if isinstance(c, dict)],
                   judge=ev.get("judge") if isinstance(ev.get("judge"), dict) else None,
                   statistics=ev.get("statistics") if isinstance(ev.get("statistics"), dict) else None,
                   judge_divergence=ev.get("judge_divergence") if isinstance(ev.get("judge_divergence"), dict) else None)
    samples = run_dir / "eval" / "samples.jsonl"
    if samples.exists():
        data.samples = _jsonl(samples)
    for child in sorted(p for p in run_dir.iterdir() if p.is_dir()):
        manifest = _json(child / "manifest.json")
        stage = manifest.get("stage", child.name) if isinstance(manifest, dict) else child.name
        if isinstance(manifest, dict):
            data.manifests[stage] = manifest
        if (child / "train_log.jsonl").exists():
            data.train_logs[stage] = _jsonl(child / "train_log.jsonl")
    return data
