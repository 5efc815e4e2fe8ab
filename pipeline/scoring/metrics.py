"""Per-domain evaluation metrics from scored completion rows (the rows of eval/samples.jsonl).

Metric names (a metric is absent when no row carries what it needs):

- ``n`` (= ``n_samples``, scored completions) and ``n_prompts`` (distinct prompt ids);
  ``reward_mean`` (the weighted **training** reward); ``length_mean`` / ``length_p50`` /
  ``length_p90`` (completion tokens);
- ``truncation_rate`` (finish_reason "length"); ``unparseable_rate``, ``flagged_rate``,
  ``error_rate`` (row status);
- ``accuracy`` (mean per-prompt correctness) and ``pass@k`` for ``k`` in ``pass_k`` plus
  ``pass@1`` always, with the unbiased estimator of Chen et al. (2021):
  1 - C(n-c, k) / C(n, k), averaged over prompts with at least k samples. A row is correct
  when all its correctness components (math_correctness, code_tests, exact_match) are 1.0.
  These use the correctness components **alone**, never the weighted reward (format, length
  and language shaping are left out), so a model that games the shaping terms shows a rising
  ``reward_mean`` next to a flat ``pass@1``;
- ``humaneval_pass@1``: pass@1 over the rows from HumanEval (their id carries ``humaneval``;
  experts/datasets/code.py mixes them into the code eval split);
- ``language_consistency`` (mean component, i.e. the share of target-language words) and
  ``language_consistency_rate`` (share of rows at or above ``LANGUAGE_CONSISTENT``);
- ``mode_following_rate``: share of samples answered in the mode their prompt asked for
  (:func:`follows_mode`: thinking = one non-empty ``<think>...</think>`` block, then a non-empty answer;
  non-thinking = no think tags), with a Wilson interval; :func:`mode_following` pools it per mode over
  a model's domains for the report;
- ``rubric_judge`` (mean judge score) and ``rubric_judge/<criterion>`` (per-criterion means),
  ``judge_flagged_rate`` (share of rows of a judged domain where the injection guard fired,
  i.e. the router's ``info["rubric_judge"]["guard"]`` is set).

Uncertainty: each metric in ``CI_METRICS`` (and every ``pass@k``) has ``<metric>_ci`` = [lo, hi],
a 95% percentile bootstrap over prompts (pipeline/scoring/stats.py, seeded); each rate in
``RATE_METRICS`` has a Wilson interval over samples. :func:`prompt_stats` gives the per-prompt
``(sum, count)`` pairs behind them, which the paired model comparisons resample.

``headline(metrics)`` picks the metric the summary tables show for a domain.
"""
from __future__ import annotations

from collections import defaultdict
from math import comb
from statistics import mean
from typing import Any, Callable, Iterable

from .stats import PerPrompt, bootstrap_ci, estimate, sub_seed, wilson

CORRECTNESS = ("math_correctness", "code_tests", "exact_match")
HEADLINE_ORDER = ("pass@1", "accuracy", "rubric_judge", "reward_mean")
CI_METRICS = ("accuracy", "reward_mean", "rubric_judge", "humaneval_pass@1", "language_consistency")
RATE_METRICS = {"truncation_rate": lambda r: r.get("finish_reason") == "length",
                "unparseable_rate": lambda r: r.get("status") == "unparseable",
                "flagged_rate": lambda r: r.get("status") == "flagged",
                "error_rate": lambda r: r.get("status") in ("error", "timeout"),
                "mode_following_rate": lambda r: follows_mode(r)}
LANGUAGE_CONSISTENT = 0.95
JUDGE = "rubric_judge"
CI_SUFFIX = "_ci"


def pass_at_k(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def is_correct(row: dict[str, Any]) -> bool | None:
    comps = row.get("components") or {}
    vals = [comps[name] for name in CORRECTNESS if comps.get(name) is not None]
    return (min(vals) >= 1.0) if vals else None


def follows_mode(row: dict[str, Any]) -> bool:
    """Whether a sample answers in its row's mode (``mode``, default non-thinking), by the ``format``
    reward's rule without ``\\boxed{}``: thinking = exactly one non-empty ``<think>...</think>`` block at the
    start and a non-empty answer after it (a thinking answer cut off inside its block does not follow);
    non-thinking = no think tags at all."""
    from rewards.format import Format

    res = Format()([{"completion": row.get("completion") or "", "mode": row.get("mode") or "non_thinking"}])[0]
    return res.score == 1.0


def mode_following(models: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{model: {mode: {rate, ci, n}}}``: ``mode_following_rate`` pooled over a model's domain keys per
    mode (``<domain>@<mode>``, a plain domain key is non-thinking), weighted by samples, Wilson CI."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for model, per in models.items():
        counts: dict[str, list[int]] = {}
        for key, m in per.items():
            if "mode_following_rate" not in m or not m.get("n_samples"):
                continue
            mode = key.split("@", 1)[1] if "@" in key else "non_thinking"
            n = int(m["n_samples"])
            cell = counts.setdefault(mode, [0, 0])
            cell[0] += round(m["mode_following_rate"] * n)
            cell[1] += n
        if counts:
            out[model] = {mode: {"rate": hits / n, "ci": list(wilson(hits, n)), "n": n}
                          for mode, (hits, n) in sorted(counts.items())}
    return out


def is_humaneval(row: dict[str, Any]) -> bool:
    return "humaneval" in str(row.get("id") or "")


def headline(metrics: dict[str, Any]) -> str | None:
    """The metric a summary shows for one domain: pass@1, accuracy, judge score, else mean reward."""
    return next((k for k in HEADLINE_ORDER if k in metrics), None)


def has_ci(metric: str) -> bool:
    return metric in CI_METRICS or metric.startswith("pass@")


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def _pooled(rows: list[dict[str, Any]], value: Callable[[dict[str, Any]], float | None]) -> PerPrompt:
    """{prompt id: (sum of the non-None values, their count)} over prompts with at least one value."""
    out: dict[str, list[float]] = {}
    for r in rows:
        v = value(r)
        if v is not None:
            cell = out.setdefault(str(r.get("id")), [0.0, 0.0])
            cell[0] += float(v)
            cell[1] += 1.0
    return {k: (s, c) for k, (s, c) in out.items()}


def _pass_stats(rows: list[dict[str, Any]], pass_k: list[int]) -> dict[str, PerPrompt]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        c = is_correct(r)
        if c is not None:
            groups[str(r.get("id"))].append(c)
    if not groups:
        return {}
    out = {"accuracy": {pid: (mean(1.0 if x else 0.0 for x in g), 1.0) for pid, g in groups.items()}}
    for k in sorted({1, *pass_k}):
        eligible = {pid: (pass_at_k(len(g), sum(g), k), 1.0) for pid, g in groups.items() if len(g) >= k}
        if eligible:
            out[f"pass@{k}"] = eligible
    return out


def _component(name: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda r: (r.get("components") or {}).get(name)


def prompt_stats(rows: Iterable[dict[str, Any]], pass_k: list[int]) -> dict[str, PerPrompt]:
    """Per-prompt ``(sum, count)`` of every metric that carries a CI; estimate() of each is the metric."""
    rows = list(rows)
    out: dict[str, PerPrompt] = {"reward_mean": _pooled(rows, lambda r: r.get("reward"))}
    for comp in (JUDGE, "language_consistency"):
        if stats := _pooled(rows, _component(comp)):
            out[comp] = stats
    out.update(_pass_stats(rows, pass_k))
    humaneval = [r for r in rows if is_humaneval(r)]
    if humaneval and (he := _pass_stats(humaneval, [1])):
        out["humaneval_pass@1"] = he["pass@1"]
    return {k: v for k, v in out.items() if v}


def domain_metrics(rows: Iterable[dict[str, Any]], pass_k: list[int], seed: int = 0) -> dict[str, Any]:
    rows = list(rows)
    if not rows:
        return {}
    lengths = [float(r.get("completion_tokens") or 0) for r in rows]
    m: dict[str, Any] = {
        "n": float(len(rows)), "n_samples": len(rows), "n_prompts": len({str(r.get("id")) for r in rows}),
        "reward_mean": 0.0,
        "length_mean": mean(lengths), "length_p50": _percentile(lengths, 0.5), "length_p90": _percentile(lengths, 0.9),
    }
    for name, pred in RATE_METRICS.items():
        hits = sum(1 for r in rows if pred(r))
        m[name], m[name + CI_SUFFIX] = hits / len(rows), list(wilson(hits, len(rows)))
    m.update(_component_means(rows))
    m.update(_judge_metrics(rows))
    for name, per_prompt in prompt_stats(rows, pass_k).items():
        m[name] = estimate(per_prompt)
        m[name + CI_SUFFIX] = list(bootstrap_ci(per_prompt, sub_seed(seed, name)))
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
        out["judge_flagged_rate"] = mean(1.0 if ((r.get("info") or {}).get(JUDGE) or {}).get("guard") else 0.0
                                         for r in judged)
    return out


def domain_key(row: dict[str, Any]) -> str:
    """The metrics key of a sample: its domain, with ``@mode`` unless non-thinking."""
    mode = str(row.get("mode") or "non_thinking")
    return str(row.get("domain")) if mode == "non_thinking" else f"{row.get('domain')}@{mode}"
