"""Mode following in the report: per model and requested mode, the share of eval answers written in that
mode (thinking prompt -> one ``<think>`` block then an answer; non-thinking -> no think tags), pooled over
the model's domains (pipeline/scoring/metrics.py ``mode_following``), with a Wilson 95% CI and n samples."""
from __future__ import annotations

from typing import Any


def mode_rows(metrics: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``[{model, mode, rate, ci, n}]`` in the models' order, modes sorted; [] for metrics without the rate."""
    from ..scoring.metrics import mode_following

    return [{"model": model, "mode": mode, **cell}
            for model, per in mode_following(metrics).items() for mode, cell in per.items()]
