"""Paired comparisons between the models of one run, over the same eval prompts.

The recipe's claims are differences: an expert beats the base model on its domain, the distilled
model (``sft``) keeps what the experts learned, mixed RL (``mixed``) forgets nothing. Each claim
is a pair (A, B) from :func:`comparison_pairs`; for every domain both models were scored on, the
domain's headline metric and the weighted training reward (``reward_mean``, so a reward that rises
while correctness stays flat is visible) are compared prompt by prompt with a paired bootstrap
(pipeline/scoring/stats.py). A change is **significant** only when its 95% interval excludes 0;
the report's comparison and forgetting tables use that rule and nothing else.

    rows = compare_models(stats, seed=0)   # stats: {model: {domain: {metric: {prompt: (sum, count)}}}}
"""
from __future__ import annotations

from typing import Any

from .metrics import headline
from .stats import PerPrompt, paired_diff, sub_seed

Stats = dict[str, dict[str, dict[str, PerPrompt]]]


def comparison_pairs(models: list[str]) -> list[tuple[str, str]]:
    """(A, B) pairs read as "A vs B": each expert vs base, sft vs each expert, mixed vs sft and vs
    each expert (forgetting), then sft and mixed vs base; only pairs whose models are present."""
    have = set(models)
    experts = sorted(m for m in models if m.startswith("expert:"))
    pairs = [(e, "base") for e in experts] + [("sft", e) for e in experts] + [("mixed", "sft")]
    pairs += [("mixed", e) for e in experts] + [("sft", "base"), ("mixed", "base")]
    return [(a, b) for a, b in pairs if a in have and b in have]


def compared_metrics(per_domain: dict[str, PerPrompt]) -> list[str]:
    """The domain's headline metric, then the training reward when it is a different metric."""
    head = headline(per_domain)
    return [m for m in dict.fromkeys([head, "reward_mean"]) if m in per_domain]


def compare_models(stats: Stats, seed: int = 0, pairs: list[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """One row per (pair, domain, metric): ``{a, b, domain, metric, diff, ci, n_prompts, significant}``."""
    out = []
    for a, b in pairs if pairs is not None else comparison_pairs(list(stats)):
        for domain in sorted(set(stats.get(a, {})) & set(stats.get(b, {}))):
            for metric in compared_metrics(stats[b][domain]):
                if metric not in stats[a][domain]:
                    continue
                d = paired_diff(stats[a][domain][metric], stats[b][domain][metric], sub_seed(seed, a, b, domain, metric))
                if d is not None:
                    out.append({"a": a, "b": b, "domain": domain, "metric": metric, "diff": d.diff, "ci": list(d.ci),
                                "n_prompts": d.n_prompts, "significant": d.significant})
    return out


def lookup(comparisons: list[dict[str, Any]], a: str, b: str, domain: str, metric: str) -> dict[str, Any] | None:
    return next((c for c in comparisons if (c["a"], c["b"], c["domain"], c["metric"]) == (a, b, domain, metric)), None)
