"""Report tables for issue 17: training judge vs gold judge agreement, and the constitutional penalty.

``divergence_rows(doc)``: one row per (model, domain) from metrics.json's ``judge_divergence``
(pipeline/scoring/gold_judge.py): n, Pearson r, mean difference (training − gold), both means,
gold errors. ``penalty_rows(samples)``: per (model, domain) of the eval samples that carry a
``constitution_penalty`` component: mean violation, share penalised (> 0), per-principle means.
"""
from __future__ import annotations

from statistics import mean
from typing import Any

from .tables import domain_order, model_order

PENALTY = "constitution_penalty"


def divergence_rows(div: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not isinstance(div, dict):
        return []
    out = []
    for model in model_order(list(div)):
        per = div[model] if isinstance(div[model], dict) else {}
        for dom in domain_order(set(per)):
            d = per[dom] if isinstance(per[dom], dict) else {}
            out.append({"model": model, "domain": dom, **{k: d.get(k) for k in
                        ("n", "pearson", "mean_diff", "train_mean", "gold_mean", "errors")}})
    return out


def penalty_rows(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, float]]] = {}
    for s in samples:
        comps = s.get("components") or {}
        if isinstance(comps.get(PENALTY), (int, float)):
            groups.setdefault((str(s.get("model", "?")), str(s.get("domain"))), []).append(comps)
    out = []
    for model in model_order(sorted({m for m, _ in groups})):
        for dom in domain_order({d for m, d in groups if m == model}):
            rows = groups[(model, dom)]
            keys = sorted({k for c in rows for k in c if k.startswith(PENALTY + "/")})
            out.append({"model": model, "domain": dom, "n": len(rows), "violation": mean(c[PENALTY] for c in rows),
                        "penalised": mean(1.0 if c[PENALTY] > 0 else 0.0 for c in rows),
                        "principles": {k.split("/", 1)[1]: mean(float(c[k]) for c in rows if isinstance(c.get(k), (int, float)))
                                       for k in keys if any(isinstance(c.get(k), (int, float)) for c in rows)}})
    return out
