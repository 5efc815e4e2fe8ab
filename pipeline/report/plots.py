"""Report figures as base64 PNG ``data:`` URIs (matplotlib, no pyplot state, no display).

- training curves per stage from ``train_log.jsonl``: reward overall and per domain, reward
  per component (``rewards/<name>/mean``), KL and entropy, completion length overall and per
  domain. A panel appears only when its keys were logged; a stage with no numeric series
  gives no figure.
- response length histograms (completion tokens) by model, one figure per mode.
"""
from __future__ import annotations

import base64
import io
import re
from typing import Any

Figure = tuple[str, str]  # (title, data URI)

PANELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (title, y label, regexes of keys plotted in that panel)
    ("Reward", "reward", (r"^reward$", r"^domain/[^/]+/reward$")),
    ("Reward components", "mean", (r"^rewards/.+/mean$",)),
    ("KL / entropy", "value", (r"^kl$", r"^entropy$")),
    ("Completion length", "tokens", (r"^completions/mean_length$", r"^domain/[^/]+/length$")),
    ("Loss", "loss", (r"^loss$",)),
)


def _data_uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _series(log: list[dict[str, Any]], key: str) -> tuple[list[float], list[float]]:
    pts = [(float(r["step"]), float(r[key])) for r in log
           if isinstance(r.get(key), (int, float)) and isinstance(r.get("step"), (int, float))]
    return [p[0] for p in pts], [p[1] for p in pts]


def _panels(log: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    keys = sorted({k for r in log for k, v in r.items() if k != "step" and isinstance(v, (int, float))})
    out = []
    for title, ylabel, patterns in PANELS:
        hit = [k for k in keys if any(re.match(p, k) for p in patterns)]
        if hit:
            out.append((title, ylabel, hit))
    return out


def training_curves(train_logs: dict[str, list[dict[str, Any]]]) -> list[Figure]:
    from matplotlib.figure import Figure as MplFigure

    figures = []
    for stage, log in train_logs.items():
        panels = _panels(log)
        if not panels:
            continue
        # constrained layout keeps the suptitle clear of the panel titles (it overlapped them otherwise)
        fig = MplFigure(figsize=(4.2 * len(panels), 3.2), layout="constrained")
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, (title, ylabel, keys) in zip(axes, panels):
            for key in keys:
                xs, ys = _series(log, key)
                ax.plot(xs, ys, marker="." if len(xs) < 30 else None, label=key)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("step")
            ax.set_ylabel(ylabel)
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3)
        fig.suptitle(f"{stage}: training curves", fontsize=11)
        figures.append((f"{stage}: training curves", _data_uri(fig)))
    return figures


def length_histograms(samples: list[dict[str, Any]]) -> list[Figure]:
    from matplotlib.figure import Figure as MplFigure

    by_mode: dict[str, dict[str, list[float]]] = {}
    for r in samples:
        mode, model = str(r.get("mode") or "non_thinking"), str(r.get("model") or "?")
        by_mode.setdefault(mode, {}).setdefault(model, []).append(float(r.get("completion_tokens") or 0))
    figures = []
    for mode in sorted(by_mode):
        per_model = by_mode[mode]
        top = max(max(v) for v in per_model.values())
        bins = max(5, min(40, int(top) + 1))
        fig = MplFigure(figsize=(6.5, 3.4))
        ax = fig.subplots()
        for model in sorted(per_model):
            ax.hist(per_model[model], bins=bins, range=(0, max(top, 1.0)), histtype="step", linewidth=1.5,
                    label=f"{model} (n={len(per_model[model])})")
        ax.set_title(f"Response length, mode {mode}", fontsize=10)
        ax.set_xlabel("completion tokens")
        ax.set_ylabel("completions")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        figures.append((f"Response length ({mode})", _data_uri(fig)))
    return figures
