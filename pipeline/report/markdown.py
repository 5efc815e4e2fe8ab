"""``report.md``: the same tables as the HTML report, as GitHub-flavoured Markdown.

Table cells escape ``|``, backticks and HTML-significant characters; completions go in fenced
blocks whose fence is longer than any backtick run inside them, so model output cannot break
out of its block. Headline cells read ``value [lo, hi] (prompts/samples)``: the 95% CI and n;
a paired difference reads ``+0.125 [+0.020, +0.230]``, bold with ``yes`` in its significance
column only when the CI excludes 0.
"""
from __future__ import annotations

import html
import re
from typing import Any


class Raw(str):
    """A cell already rendered as Markdown (bold values, A / B / delta triples): not escaped again."""


def cell(v: Any) -> str:
    if isinstance(v, Raw):
        return v
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
        return ci_text(v)
    return html.escape(str(v)).replace("|", "\\|").replace("`", "\\`").replace("\n", " ")


def delta(v: float | None) -> str:
    return "–" if v is None else f"{v:+.3f}"


def ci_text(ci: Any) -> str:
    return "" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def value_ci(v: float | None, ci: Any = None, n: Any = None, bold: bool = False) -> Raw:
    """``0.250 [0.100, 0.400] (24/48)``; bold value for the column's best."""
    if v is None:
        return Raw("–")
    text = f"**{v:.3f}**" if bold else f"{v:.3f}"
    return Raw(text + (f" {ci_text(ci)}" if ci else "") + (f" ({n[0]}/{n[1]})" if n else ""))


def diff_ci(c: dict[str, Any] | None, fallback: float | None = None) -> Raw:
    """A paired difference with its CI, bold when significant; the plain delta when it was not compared."""
    if c is None:
        return Raw(delta(fallback))
    d = f"{c['diff']:+.3f}"
    return Raw((f"**{d}**" if c["significant"] else d) + f" [{c['ci'][0]:+.3f}, {c['ci'][1]:+.3f}]")


def sig(c: dict[str, Any] | None) -> str:
    return "–" if c is None else ("yes" if c["significant"] else "no")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return out + [""]


def fenced(text: str) -> list[str]:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", text, fence, ""]


def _summary(s: Any) -> list[str]:
    rows = []
    for model, vals in s.rows:
        cis, ns = s.ci.get(model) or [None] * len(vals), s.n.get(model) or [None] * len(vals)
        rows.append([model] + [value_ci(v, ci, n, bold=v is not None and s.best.get(c) == v)
                               for c, v, ci, n in zip(s.columns, vals, cis, ns)])
    return table(["model"] + [f"{c} ({s.metric[c]})" for c in s.columns], rows)


def _judge_identity(j: dict[str, Any] | None) -> list[str]:
    if not j:
        return []
    where = f"checkpoint hash {cell(j.get('checkpoint_hash'))}, path {cell(j.get('path'))}" if j.get("path") \
        else f"endpoint {cell(j.get('endpoint'))}"
    return [f"Judge (one fixed judge scored every model of this run): **{cell(j['model'])}** "
            f"(backend {cell(j.get('backend'))}, {where}, guard {cell(j.get('guard'))}).", ""]


def _paired(r: dict[str, Any]) -> list[str]:
    lines = ["## Paired differences (same prompts; significant = 95% CI excludes 0)", ""]
    if not r["paired"]:
        return lines + ["_Not available: needs two models of this run evaluated by this version of the eval stage._", ""]
    return lines + table(
        ["A vs B", "domain", "metric", "Δ metric [95% CI]", "significant", "Δ training reward [95% CI]", "significant",
         "prompts"],
        [[f"{p['a']} vs {p['b']}", p["domain"], p["metric"], diff_ci(p["head"]), sig(p["head"]), diff_ci(p["reward"]),
          sig(p["reward"]), (p["head"] or {}).get("n_prompts")] for p in r["paired"]])


def _forgetting(r: dict[str, Any]) -> list[str]:
    if not r["forgetting"]:
        return ["_Not available: needs a final model (mixed or sft) and experts or a distilled model._", ""]
    return table(["domain", "metric", "final", "best expert", "final − expert [95% CI]", "significant", "distilled",
                  "final − distilled [95% CI]", "significant"],
                 [[f["domain"], f["metric"], f["final"], f["best_expert"], diff_ci(f["vs_expert_cmp"], f["vs_expert"]),
                   sig(f["vs_expert_cmp"]), f["distilled"], diff_ci(f["vs_distilled_cmp"], f["vs_distilled"]),
                   sig(f["vs_distilled_cmp"])] for f in r["forgetting"]])


def _reward_gap(r: dict[str, Any]) -> list[str]:
    if not r["reward_vs_correctness"]:
        return []
    return ["## Correctness vs training reward", "",
            "pass@k counts the correctness components alone; the training reward adds the shaping terms "
            "(format, length, language). Reward rising without correctness is reward hacking.", ""] + table(
        ["model", "domain", "correctness", "value [95% CI]", "training reward [95% CI]"],
        [[x["model"], x["domain"], x["metric"], value_ci(x["value"], x["ci"]), value_ci(x["reward"], x["reward_ci"])]
         for x in r["reward_vs_correctness"]])


def _mode_following(r: dict[str, Any]) -> list[str]:
    """Share of answers in the requested mode, per model and mode (pipeline/report/modes.py)."""
    if not r.get("mode_following"):
        return []
    return ["## Mode following", "", "Share of eval answers written in the mode the prompt asked for: thinking = one "
            "non-empty `<think>` block then an answer, non-thinking = no think tags. Cells: rate [95% CI] (samples).",
            ""] + table(["model", "mode", "follows the mode [95% CI]", "samples"],
                        [[x["model"], x["mode"], value_ci(x["rate"], x["ci"]), x["n"]] for x in r["mode_following"]])


def _constitution(r: dict[str, Any]) -> list[str]:
    """Training vs gold judge agreement, and the constitutional penalty per principle (issue 17)."""
    lines: list[str] = []
    if r.get("divergence"):
        lines += ["### Training judge vs gold judge", "",
                  "Mean difference = training − gold; training scores rising while gold stays flat is judge hacking.", ""]
        lines += table(["model", "domain", "pairs", "Pearson r", "mean diff", "training mean", "gold mean", "gold errors"],
                       [[d["model"], d["domain"], d["n"], d["pearson"], d["mean_diff"], d["train_mean"], d["gold_mean"],
                         d["errors"]] for d in r["divergence"]])
    if r.get("penalty"):
        lines += ["### Constitutional penalty", ""]
        lines += table(["model", "domain", "samples", "mean violation", "share penalised", "per principle"],
                       [[p["model"], p["domain"], p["n"], p["violation"], p["penalised"],
                         ", ".join(f"{k}={v:.3f}" for k, v in p["principles"].items())] for p in r["penalty"]])
    return lines


def _run(r: dict[str, Any], compare: bool) -> list[str]:
    lines: list[str] = []
    if not compare:
        lines += ["## Summary (headline metric per domain; best in bold)", "",
                  "Cells: value [95% CI] (prompts/samples); CIs bootstrap over prompts.", ""] + _summary(r["summary"])
        lines += _paired(r) + ["## Forgetting (final model; a drop counts only when significant)", ""] + _forgetting(r)
        lines += _reward_gap(r) + _mode_following(r)
    if r["judge"] or r["judge_identity"]:
        lines += ["## Judge", ""] + _judge_identity(r["judge_identity"])
    if r["judge"]:
        lines += table(
            ["model", "domain", "score", "per criterion", "guard flag rate"],
            [[j["model"], j["domain"], j["score"], ", ".join(f"{k}={v:.3f}" for k, v in j["criteria"].items()),
              j["flagged_rate"]] for j in r["judge"]])
    lines += _constitution(r)
    if not compare:
        lines += ["## Sample completions", ""]
        for dom, picks in r["samples"].items():
            for label, s in picks:
                lines += [f"### {cell(dom)}: {label} (model {cell(s['model'])}, mode {cell(s['mode'])}, "
                          f"reward {cell(s['reward'])}, status {cell(s['status'])})", ""]
                lines += table(list(s["components"]), [list(s["components"].values())]) if s["components"] else []
                lines += fenced(s["completion"])
    lines += ["## Stages", ""] + table(["stage", "status", "duration (s)", "note"],
                                       [[d["stage"], d["status"], d["duration_s"], d.get("note", "")]
                                        for d in r["durations"]])
    return lines + ["<details><summary>Config as it ran</summary>", ""] + fenced(r["config"]) + ["</details>", ""]


def render_markdown(context: dict[str, Any]) -> str:
    lines = [f"# {cell(context['title'])}", "", f"Generated {context['generated']}.", ""]
    comp = context.get("comparison")
    if comp:
        a, b = context["runs"][0]["name"], context["runs"][1]["name"]
        lines += [f"## Comparison: {cell(a)} (A) → {cell(b)} (B)", "",
                  "Δ = B − A, paired over the prompts both runs share, with its 95% CI; bold when significant "
                  "(the CI excludes 0). A plain Δ of the means where the samples were missing.", ""]
        header = ["model"] + [f"{c} ({comp['metric'][c]}) A / B / Δ" for c in comp["columns"]]
        lines += table(header, [[m] + [Raw(f"{cell(x['a'])} / {cell(x['b'])} / {diff_ci(x['paired'], x['delta'])}")
                                       for x in cells] for m, cells in comp["rows"]])
        if comp.get("paired"):
            lines += ["### Paired differences between the runs (B − A)", ""]
            lines += table(["model", "domain", "metric", "Δ [95% CI]", "significant", "prompts", "ids with other prompts"],
                           [[p["model"], p["domain"], p["metric"], diff_ci(p), sig(p), p["n_prompts"], p["n_mismatched"]]
                            for p in comp["paired"]])
    for r in context["runs"]:
        lines += ([f"# Run {cell(r['name'])}", ""] if comp else []) + _run(r, bool(comp))
    return "\n".join(lines) + "\n"
