"""``report.md``: the same tables as the HTML report, as GitHub-flavoured Markdown.

Table cells escape ``|``, backticks and HTML-significant characters; completions go in fenced
blocks whose fence is longer than any backtick run inside them, so model output cannot break
out of its block.
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
    return html.escape(str(v)).replace("|", "\\|").replace("`", "\\`").replace("\n", " ")


def delta(v: float | None) -> str:
    return "–" if v is None else f"{v:+.3f}"


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
        rows.append([model] + [Raw(f"**{v:.3f}**") if v is not None and s.best.get(c) == v else v
                               for c, v in zip(s.columns, vals)])
    return table(["model"] + [f"{c} ({s.metric[c]})" for c in s.columns], rows)


def _run(r: dict[str, Any], compare: bool) -> list[str]:
    lines: list[str] = []
    if not compare:
        lines += ["## Summary (headline metric per domain; best in bold)", ""] + _summary(r["summary"])
        lines += ["## Forgetting", ""]
        lines += table(["domain", "metric", "final", "best expert", "final − expert", "distilled", "final − distilled"],
                       [[f["domain"], f["metric"], f["final"], f["best_expert"], delta(f["vs_expert"]), f["distilled"],
                         delta(f["vs_distilled"])] for f in r["forgetting"]]) if r["forgetting"] else \
            ["_Not available: needs a final model (mixed or sft) and experts or a distilled model._", ""]
    if r["judge"]:
        lines += ["## Judge", ""] + table(
            ["model", "domain", "score", "per criterion", "guard flag rate"],
            [[j["model"], j["domain"], j["score"], ", ".join(f"{k}={v:.3f}" for k, v in j["criteria"].items()),
              j["flagged_rate"]] for j in r["judge"]])
    if not compare:
        lines += ["## Sample completions", ""]
        for dom, picks in r["samples"].items():
            for label, s in picks:
                lines += [f"### {cell(dom)}: {label} (model {cell(s['model'])}, mode {cell(s['mode'])}, "
                          f"reward {cell(s['reward'])}, status {cell(s['status'])})", ""]
                lines += table(list(s["components"]), [list(s["components"].values())]) if s["components"] else []
                lines += fenced(s["completion"])
    lines += ["## Stages", ""] + table(["stage", "status", "duration (s)"],
                                       [[d["stage"], d["status"], d["duration_s"]] for d in r["durations"]])
    return lines + ["<details><summary>Config as it ran</summary>", ""] + fenced(r["config"]) + ["</details>", ""]


def render_markdown(context: dict[str, Any]) -> str:
    lines = [f"# {cell(context['title'])}", "", f"Generated {context['generated']}.", ""]
    comp = context.get("comparison")
    if comp:
        a, b = context["runs"][0]["name"], context["runs"][1]["name"]
        lines += [f"## Comparison: {cell(a)} (A) → {cell(b)} (B)", ""]
        header = ["model"] + [f"{c} ({comp['metric'][c]}) A / B / Δ" for c in comp["columns"]]
        lines += table(header, [[m] + [Raw(f"{cell(x['a'])} / {cell(x['b'])} / {delta(x['delta'])}") for x in cells]
                                for m, cells in comp["rows"]])
    for r in context["runs"]:
        lines += ([f"# Run {cell(r['name'])}", ""] if comp else []) + _run(r, bool(comp))
    return "\n".join(lines) + "\n"
