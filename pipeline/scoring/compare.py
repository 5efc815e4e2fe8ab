"""Paired comparisons between the models of one run, over the same eval prompts.

The recipe's claims are differences: an expert beats the base model on its domain, the distilled
model (``sft``) keeps what the experts learned, mixed RL (``mixed``) forgets nothing. Each claim
is a pair (A, B) from :func:`comparison_pairs`; for every domain both models were scored on, the
domain's headline metric and the weighted training reward (``reward_mean``, so a reward that rises
while correctness stays flat is visible) are compared prompt by prompt with a paired bootstrap
(pipeline/scoring/stats.py). A change is **significant** only when its 95% interval excludes 0;
the report's comparison and forgetting tables use that rule and nothing else.

    rows = compare_models(stats, seed=0)   # stats: {model: {domain: {metric: {prompt: (sum, count)}}}}

Two runs (``posttrain report RUN_A RUN_B``): :func:`compare_runs` compares each model that both
runs evaluated, run B minus run A, on each domain both scored, with the same paired bootstrap over
the prompt ids both runs share **with the same prompt text** (an id names a position in a split,
so runs built from other data seeds may reuse an id for another prompt; those ids are left out and
counted), and the same rule: significant only when the 95% CI excludes 0.

    rows = compare_runs(samples_a, samples_b, seed=0)   # samples: rows of each run's eval/samples.jsonl
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from .metrics import domain_key, headline, prompt_stats
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


def stats_by_model(samples: Iterable[dict[str, Any]], pass_k: list[int]) -> tuple[Stats, dict[tuple[str, str], dict[str, str]]]:
    """Per-prompt data of a run's samples, ``{model: {domain key: {metric: PerPrompt}}}``, and the
    prompt text of each id per (model, domain key), for pairing across runs."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in samples:
        groups.setdefault((str(r.get("model")), domain_key(r)), []).append(r)
    stats: Stats = {}
    texts: dict[tuple[str, str], dict[str, str]] = {}
    for (model, key), rows in groups.items():
        stats.setdefault(model, {})[key] = prompt_stats(rows, pass_k)
        texts[(model, key)] = {str(r.get("id")): json.dumps(r.get("prompt"), sort_keys=True) for r in rows}
    return stats, texts


def compare_runs(samples_a: Iterable[dict[str, Any]], samples_b: Iterable[dict[str, Any]], seed: int = 0,
                 pass_k: list[int] | None = None) -> list[dict[str, Any]]:
    """One row per (model, domain, metric) both runs have: ``{model, domain, metric, diff (B - A), ci,
    n_prompts, n_mismatched, significant}``, paired over the shared prompts with the same text."""
    (sa, ta), (sb, tb) = stats_by_model(samples_a, pass_k or [1]), stats_by_model(samples_b, pass_k or [1])
    out = []
    for model in sorted(set(sa) & set(sb)):
        for domain in sorted(set(sa[model]) & set(sb[model])):
            text_a, text_b = ta[(model, domain)], tb[(model, domain)]
            shared = {i for i in set(text_a) & set(text_b) if text_a[i] == text_b[i]}
            mismatched = sum(1 for i in set(text_a) & set(text_b) if text_a[i] != text_b[i])
            for metric in compared_metrics(sa[model][domain]):
                if metric not in sb[model][domain]:
                    continue
                a = {i: v for i, v in sa[model][domain][metric].items() if i in shared}
                b = {i: v for i, v in sb[model][domain][metric].items() if i in shared}
                d = paired_diff(b, a, sub_seed(seed, "runs", model, domain, metric))
                if d is not None:
                    out.append({"model": model, "domain": domain, "metric": metric, "diff": d.diff, "ci": list(d.ci),
                                "n_prompts": d.n_prompts, "n_mismatched": mismatched, "significant": d.significant})
    return out
