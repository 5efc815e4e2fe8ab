"""The report's tables as plain data, shared by the HTML and Markdown renderers.

- summary: models x domains, the headline metric per domain (pass@1 / accuracy, or the judge
  score for writing; see pipeline.scoring.metrics.headline) with its 95% CI and n_prompts / n_samples,
  best per column marked;
- paired: the eval stage's paired comparisons (expert vs base, sft vs expert, mixed vs sft, ...):
  per pair and domain the headline metric's difference and the training reward's, each with its
  CI and whether it is significant (CI excludes 0); a reward that rises while correctness does not
  is reward hacking showing as a gap;
- forgetting: the final model (``mixed``, else ``sft``) against the best expert on each domain
  and against the distilled model (``sft``), with the paired CI and the same significance rule;
  omitted when those models are absent;
- judge: per-criterion means and the injection guard's flag rate;
- samples: per domain the best, the worst and one random completion (fixed seed);
- durations: stage status and time from the manifests, and a note (sft: the held-out loss before/after);
- comparison: two runs' headline metrics side by side; B - A is the paired difference over the
  prompts both runs share (pipeline/scoring/compare.py ``compare_runs``) with its 95% CI and the
  same significance rule, the plain delta of the means only when the samples are missing.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from ..scoring.metrics import CI_SUFFIX, HEADLINE_ORDER, JUDGE

Metrics = dict[str, dict[str, dict[str, Any]]]
Comparisons = list[dict[str, Any]]
MAX_TEXT = 6000  # characters of a prompt/completion shown in the report


@dataclass
class Summary:
    columns: list[str]                   # domain keys (``math``, ``math@thinking``)
    metric: dict[str, str]               # column -> headline metric name
    rows: list[tuple[str, list[float | None]]]
    best: dict[str, float]               # column -> best value
    ci: dict[str, list[list[float] | None]] = field(default_factory=dict)   # model -> per column [lo, hi]
    n: dict[str, list[tuple[int, int] | None]] = field(default_factory=dict)  # model -> per column (prompts, samples)


def model_order(models: list[str]) -> list[str]:
    rank = {"base": 0, "sft": 2, "mixed": 3}
    return sorted(models, key=lambda m: (rank.get(m, 1 if m.startswith("expert:") else 4), m))


def domain_order(keys: set[str]) -> list[str]:
    return sorted(keys, key=lambda k: ("@" in k, k))


def summary(metrics: Metrics) -> Summary:
    columns = domain_order({d for per in metrics.values() for d in per})
    metric = {col: next((h for h in HEADLINE_ORDER if any(h in per.get(col, {}) for per in metrics.values())),
                        "reward_mean") for col in columns}
    models = model_order(list(metrics))
    rows = [(m, [metrics[m].get(c, {}).get(metric[c]) for c in columns]) for m in models]
    best = {}
    for i, col in enumerate(columns):
        vals = [r[1][i] for r in rows if r[1][i] is not None]
        if vals:
            best[col] = max(vals)
    ci = {m: [metrics[m].get(c, {}).get(metric[c] + CI_SUFFIX) for c in columns] for m in models}
    n = {m: [_n(metrics[m].get(c, {})) for c in columns] for m in models}
    return Summary(columns, metric, rows, best, ci, n)


def _n(m: dict[str, Any]) -> tuple[int, int] | None:
    return (int(m["n_prompts"]), int(m["n_samples"])) if "n_prompts" in m and "n_samples" in m else None


def lookup(comparisons: Comparisons, a: str, b: str, domain: str, metric: str) -> dict[str, Any] | None:
    return next((c for c in comparisons if (c["a"], c["b"], c["domain"], c["metric"]) == (a, b, domain, metric)), None)


def paired(metrics: Metrics, comparisons: Comparisons) -> list[dict[str, Any]]:
    """One row per (A, B, domain) the eval stage compared: the headline metric's paired difference
    (``head``) next to the training reward's (``reward``), each ``{diff, ci, n_prompts, significant}`` or None."""
    table = summary(metrics)
    seen: dict[tuple[str, str, str], None] = {}
    for c in comparisons:
        seen.setdefault((c["a"], c["b"], c["domain"]), None)
    out = []
    for a, b, dom in seen:
        name = table.metric.get(dom, "reward_mean")
        head, reward = lookup(comparisons, a, b, dom, name), lookup(comparisons, a, b, dom, "reward_mean")
        out.append({"a": a, "b": b, "domain": dom, "metric": name, "head": head,
                    "reward": reward if name != "reward_mean" else None})
    return out


def all_metrics(metrics: Metrics) -> list[tuple[str, list[str], list[tuple[str, list[Any]]]]]:
    """Per domain column: (column, every metric any model has, one row per model): the "All metrics" tables.
    A metric's CI (``<metric>_ci``) is its own column, right after the metric."""
    out = []
    for dom in domain_order({d for per in metrics.values() for d in per}):
        models = [m for m in model_order(list(metrics)) if dom in metrics[m]]
        keys = sorted({k for m in models for k in metrics[m][dom]}, key=lambda k: (k.removesuffix(CI_SUFFIX), k))
        out.append((dom, keys, [(m, [metrics[m][dom].get(k) for k in keys]) for m in models]))
    return out


def final_model(metrics: Metrics) -> str | None:
    return next((m for m in ("mixed", "sft") if m in metrics), None)


def forgetting(metrics: Metrics, comparisons: Comparisons | None = None) -> list[dict[str, Any]]:
    """Rows {domain, metric, final, best_expert, expert, vs_expert, distilled, vs_distilled} plus the paired
    comparisons behind the two differences (``vs_expert_cmp`` / ``vs_distilled_cmp``: diff, ci, significant;
    None when the eval stage did not compare them); [] when not applicable."""
    final = final_model(metrics)
    experts = [m for m in metrics if m.startswith("expert:")]
    distilled = "sft" if final == "mixed" and "sft" in metrics else None
    if final is None or not (experts or distilled):
        return []
    table = summary(metrics)
    out = []
    for col in table.columns:
        name = table.metric[col]
        value = metrics[final].get(col, {}).get(name)
        if value is None:
            continue
        scored = [(metrics[e][col][name], e) for e in experts if name in metrics[e].get(col, {})]
        best, expert = max(scored) if scored else (None, None)
        dist = metrics[distilled].get(col, {}).get(name) if distilled else None
        out.append({"domain": col, "metric": name, "final": value, "final_model": final, "best_expert": best,
                    "expert": expert, "vs_expert": None if best is None else value - best, "distilled": dist,
                    "vs_distilled": None if dist is None else value - dist,
                    "vs_expert_cmp": lookup(comparisons or [], final, expert, col, name) if expert else None,
                    "vs_distilled_cmp": lookup(comparisons or [], final, distilled, col, name) if distilled else None})
    return [r for r in out if r["best_expert"] is not None or r["distilled"] is not None]


def reward_vs_correctness(metrics: Metrics) -> list[dict[str, Any]]:
    """Per (model, domain) with a correctness metric: pass@1 (correctness components alone) next to the
    weighted training reward, each with its CI; a high reward over a low pass@1 is the shaping terms paying."""
    out = []
    for model in model_order(list(metrics)):
        for dom in domain_order(set(metrics[model])):
            m = metrics[model][dom]
            name = next((k for k in ("pass@1", "accuracy") if k in m), None)
            if name and "reward_mean" in m:
                out.append({"model": model, "domain": dom, "metric": name, "value": m[name], "ci": m.get(name + CI_SUFFIX),
                            "reward": m["reward_mean"], "reward_ci": m.get("reward_mean" + CI_SUFFIX)})
    return out


def judge_rows(metrics: Metrics) -> list[dict[str, Any]]:
    """One row per (model, domain) with judge scores: score, per-criterion means, flag rate."""
    out = []
    for model in model_order(list(metrics)):
        for dom in domain_order(set(metrics[model])):
            m = metrics[model][dom]
            crit = {k.split("/", 1)[1]: v for k, v in m.items() if k.startswith(JUDGE + "/")}
            if JUDGE in m or crit or "judge_flagged_rate" in m:
                out.append({"model": model, "domain": dom, "score": m.get(JUDGE), "criteria": crit,
                            "flagged_rate": m.get("judge_flagged_rate", m.get("flagged_rate"))})
    return out


def _text(v: Any) -> str:
    if isinstance(v, list):  # chat messages
        v = "\n\n".join(f"[{m.get('role', '?')}] {m.get('content', '')}" if isinstance(m, dict) else str(m) for m in v)
    s = "" if v is None else str(v)
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + f"\n… [{len(s) - MAX_TEXT} more characters]"


def sample_view(row: dict[str, Any]) -> dict[str, Any]:
    """A scored completion row as shown: text clipped to MAX_TEXT, numbers as floats."""
    comps = {str(k): (float(v) if isinstance(v, (int, float)) else None) for k, v in (row.get("components") or {}).items()}
    reward = row.get("reward")
    return {"id": str(row.get("id")), "model": str(row.get("model", "?")), "mode": str(row.get("mode") or "non_thinking"),
            "reward": float(reward) if isinstance(reward, (int, float)) else None, "status": str(row.get("status")),
            "components": comps, "prompt": _text(row.get("prompt")), "completion": _text(row.get("completion"))}


def pick_samples(samples: list[dict[str, Any]], seed: int = 0) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Per domain: the best and worst completion by reward, and one random one (fixed seed), as sample_view()s."""
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for r in samples:
        by_domain.setdefault(str(r.get("domain")), []).append(r)
    rng = random.Random(seed)
    out = {}
    for dom in sorted(by_domain):
        rows = by_domain[dom]
        ranked = sorted(rows, key=lambda r: (r.get("reward") is None, -(r.get("reward") or 0.0)))
        picks = [("best", ranked[0]), ("worst", ranked[-1] if len(ranked) > 1 else None),
                 ("random", rng.choice(rows) if len(rows) > 2 else None)]
        out[dom] = [(label, sample_view(row)) for label, row in picks if row is not None]
    return out


def stage_note(stage: str, manifest: dict[str, Any]) -> str:
    """What a finished stage's manifest says in words: for ``sft`` the held-out loss before and after
    (else the first and last epoch's mean training loss); empty for the others."""
    m = manifest.get("metrics") or {}
    if stage == "sft" and "heldout_loss_before" in m and "heldout_loss_after" in m:
        return (f"held-out loss {m['heldout_loss_before']:.4g} → {m['heldout_loss_after']:.4g} "
                f"({m.get('heldout_rows', '?')} distilled rows not trained on)")
    if stage == "sft" and "train_loss_first_epoch" in m:
        return (f"training loss, epoch mean: first {m['train_loss_first_epoch']:.4g}, "
                f"last {m['train_loss_last_epoch']:.4g} (no held-out rows)")
    return ""


def durations(manifests: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [{"stage": s, "status": m.get("status", "?"), "duration_s": m.get("duration_s"), "started": m.get("started"),
             "note": stage_note(s, m)} for s, m in manifests.items()]
    return sorted(rows, key=lambda r: (r["started"] is None, r["started"] or 0))


def comparison(metrics_a: Metrics, metrics_b: Metrics, paired_rows: Comparisons | None = None) -> dict[str, Any]:
    """Headline metric of both runs for every (model, domain) either has, with B - A: ``delta`` of the
    means, and ``paired`` (``{diff, ci, n_prompts, significant}`` from ``compare_runs`` rows, or None)."""
    sa, sb = summary(metrics_a), summary(metrics_b)
    columns = domain_order(set(sa.columns) | set(sb.columns))
    metric = {col: sa.metric.get(col) or sb.metric[col] for col in columns}
    rows = []
    for model in model_order(list(set(metrics_a) | set(metrics_b))):
        cells = []
        for col in columns:
            a = metrics_a.get(model, {}).get(col, {}).get(metric[col])
            b = metrics_b.get(model, {}).get(col, {}).get(metric[col])
            pair = next((c for c in paired_rows or [] if (c["model"], c["domain"], c["metric"]) == (model, col, metric[col])), None)
            cells.append({"a": a, "b": b, "delta": None if a is None or b is None else b - a, "paired": pair})
        rows.append((model, cells))
    rank = {m: i for i, m in enumerate(model_order(list({c["model"] for c in paired_rows or []})))}
    col_rank = {d: i for i, d in enumerate(domain_order({c["domain"] for c in paired_rows or []}))}
    paired = sorted(paired_rows or [], key=lambda c: (rank[c["model"]], col_rank[c["domain"]], c["metric"] == "reward_mean"))
    return {"columns": columns, "metric": metric, "rows": rows, "paired": paired}
