"""Per-domain evaluation metrics from scored completion rows (the rows of eval/samples.jsonl).

Metric names (all floats; a metric is absent when no row carries what it needs):

- ``n``; ``reward_mean``; ``length_mean`` / ``length_p50`` / ``length_p90`` (completion tokens);
- ``truncation_rate`` (finish_reason "length"); ``unparseable_rate``, ``flagged_rate``,
  ``error_rate`` (row status);
- ``accuracy`` (mean per-prompt correctness) and ``pass@k`` for ``k`` in ``pass_k`` plus
  ``pass@1`` always, with the unbiased estimator of Chen et al. (2021):
  1 - C(n-c, k) / C(n, k), averaged over prompts with at least k samples. A row is correct
  when all its correctness components (math_correctness, code_tests, exact_match) are 1.0;
- ``humaneval_pass@1``: pass@1 over the rows from HumanEval (their id carries ``humaneval``;
  experts/datasets/code.py mixes them into the code eval split);
- ``language_consistency`` (mean component, i.e. the share of target-language words) and
  ``language_consistency_rate`` (share of rows at or above ``LANGUAGE_CONSISTENT``);
- ``rubric_judge`` (mean judge score) and ``rubric_judge/<criterion>`` (per-criterion means),
  ``judge_flagged_rate`` (share of rows of a judged domain where the injection guard fired,
  i.e. the router's ``info["rubric_judge"]["guard"]`` is set).

``headline(metrics)`` picks the metric the summary tables show for a domain.
"""
from __future__ import annotations

from collections import defaultdict
from math import comb
from statistics import mean
from typing import Any, Iterable

CORRECTNESS = ("math_correctness", "code_tests", "exact_match")
HEADLINE_ORDER = ("pass@1", "accuracy", "rubric_judge", "reward_mean")
LANGUAGE_CONSISTENT = 0.95
JUDGE = "rubric_judge"


def pass_at_k(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def is_correct(row: dict[str, Any]) -> bool | None:
    comps = row.get("components") or {}
    vals = [comps[name] for name in CORRECTNESS if comps.get(name) is not None]
    return (min(vals) >= 1.0) if vals else None


def is_humaneval(row: dict[str, Any]) -> bool:
    return "humaneval" in str(row.get("id") or "")


def headline(metrics: dict[str, float]) -> str | None:
    """The metric a summary shows for one domain: pass@1, accuracy, judge score, else mean reward."""
    return next((k for k in HEADLINE_ORDER if k in metrics), None)


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def _rate(rows: list[dict[str, Any]], pred: Any) -> float:
    return mean(1.0 if pred(r) else 0.0 for r in rows)


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
        "truncation_rate": _rate(rows, lambda r: r.get("finish_reason") == "length"),
        "unparseable_rate": _rate(rows, lambda r: r.get("status") == "unparseable"),
        "flagged_rate": _rate(rows, lambda r: r.get("status") == "flagged"),
        "error_rate": _rate(rows, lambda r: r.get("status") in ("error", "timeout")),
    }
    m.update(_component_means(rows))
    m.update(_judge_metrics(rows))
    m.update(_pass_metrics(rows, pass_k))
    humaneval = [r for r in rows if is_humaneval(r)]
    if humaneval and (he := _pass_metrics(humaneval, [1])):
        m["humaneval_pass@1"] = he["pass@1"]
    return m


def _component_means(rows: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for comp in ("language_consistency", JUDGE, "format"):
        vals = [r["components"][comp] for r in rows if (r.get("components") or {}).get(comp) is not None]
        if vals:
            out[comp] = mean(vals)
            if comp == "language_consistency":
                out["language_consistency_rate"] = mean(1.0 if v >= LANGUAGE_CONSISTENT else 0.0 for v in vals)
    return out


def _judge_metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Per-criterion judge means (components ``rubric_judge/<criterion>``) and the guard's flag rate."""
    per: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        for k, v in (r.get("components") or {}).items():
            if k.startswith(JUDGE + "/") and v is not None:
                per[k].append(float(v))
    out = {k: mean(v) for k, v in sorted(per.items())}
    judged = [r for r in rows if JUDGE in (r.get("components") or {})]  # the router sets it on every judged-domain row
    if judged:
        out["judge_flagged_rate"] = _rate(judged, lambda r: bool(((r.get("info") or {}).get(JUDGE) or {}).get("guard")))
    return out


def _pass_metrics(rows: list[dict[str, Any]], pass_k: list[int]) -> dict[str, float]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        c = is_correct(r)
        if c is not None:
            groups[str(r.get("id"))].append(c)
    if not groups:
        return {}
    out = {"accuracy": mean(mean(1.0 if x else 0.0 for x in g) for g in groups.values())}
    for k in sorted({1, *pass_k}):
        eligible = [g for g in groups.values() if len(g) >= k]
        if eligible:
            out[f"pass@{k}"] = mean(pass_at_k(len(g), sum(g), k) for g in eligible)
    return out
