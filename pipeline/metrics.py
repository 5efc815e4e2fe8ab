"""Per-domain evaluation metrics from scored completion rows.

``pass@k`` uses the unbiased estimator of Chen et al. (2021): 1 - C(n-c, k) / C(n, k),
averaged over prompts, where n samples were drawn and c were correct.
"""
from __future__ import annotations

from collections import defaultdict
from math import comb
from statistics import mean
from typing import Any, Iterable

CORRECTNESS = ("math_correctness", "code_tests", "exact_match")


def pass_at_k(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def is_correct(row: dict[str, Any]) -> bool | None:
    comps = row.get("components") or {}
    vals = [comps[name] for name in CORRECTNESS if comps.get(name) is not None]
    return (min(vals) >= 1.0) if vals else None


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def domain_metrics(rows: Iterable[dict[str, Any]], pass_k: list[int]) -> dict[str, float]:
    rows = list(rows)
    if not rows:
        return {}
    rewards = [r["reward"] for r in rows if r.get("reward") is not None]
    lengths = [float(r.get("completion_tokens") or 0) for r in rows]
    m: dict[str, float] = {
        "n": float(len(rows)),
        "reward_mean": mean(rewards) if rewards else 0.0,
        "length_mean": mean(lengths), "length_p50": _percentile(lengths, 0.5), "length_p90": _percentile(lengths, 0.9),
        "truncation_rate": mean(1.0 if r.get("finish_reason") == "length" else 0.0 for r in rows),
        "unparseable_rate": mean(1.0 if r.get("status") == "unparseable" else 0.0 for r in rows),
        "flagged_rate": mean(1.0 if r.get("status") == "flagged" else 0.0 for r in rows),
        "error_rate": mean(1.0 if r.get("status") in ("error", "timeout") else 0.0 for r in rows),
    }
    for comp in ("language_consistency", "rubric_judge", "format"):
        vals = [r["components"][comp] for r in rows if (r.get("components") or {}).get(comp) is not None]
        if vals:
            m[comp] = mean(vals)
    m.update(_pass_metrics(rows, pass_k))
    return m


def _pass_metrics(rows: list[dict[str, Any]], pass_k: list[int]) -> dict[str, float]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        c = is_correct(r)
        if c is not None:
            groups[str(r.get("id"))].append(c)
    if not groups:
        return {}
    out = {"accuracy": mean(mean(1.0 if x else 0.0 for x in g) for g in groups.values())}
    for k in pass_k:
        eligible = [g for g in groups.values() if len(g) >= k]
        if eligible:
            out[f"pass@{k}"] = mean(pass_at_k(len(g), sum(g), k) for g in eligible)
    return out
