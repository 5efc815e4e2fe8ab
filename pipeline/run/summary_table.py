"""The eval table printed at the end of ``posttrain run`` (and of ``posttrain stage eval|report``, ``posttrain eval``).

Rows are the models (base, experts, sft, mixed), columns the eval domains. A cell holds the domain's
headline metric, the one the report and the paired comparisons use (pass@1, accuracy, judge score, else
mean reward; pipeline/scoring/metrics.py ``headline``), then the mean training reward. A value that
differs **significantly** from the base model's carries ``↑`` or ``↓``: the eval stage's paired
bootstrap over the prompts (pipeline/scoring/compare.py, stats.py) gives a 95% CI of the difference that
excludes 0, the rule the report's tables use. An unmarked difference is within noise, however large it
looks; the report lists each pair's CI.

Where it goes: on a terminal a rich table at its full width (wider than the terminal if it must be);
anywhere else (a log file, a pipe, ``ray job logs``) a plain Markdown table, which no width can cut.

    print_metrics_table(metrics["models"], comparisons=metrics["comparisons"])
"""
from __future__ import annotations

import sys
from typing import Any

from ..scoring.metrics import headline

Models = dict[str, dict[str, dict[str, Any]]]
Comparisons = list[dict[str, Any]]
TITLE = "posttrain eval (headline metric · mean reward)"
UP, DOWN = "↑", "↓"
BASE = "base"


def model_order(models: list[str]) -> list[str]:
    """base, the experts, sft, mixed, then any other label (alphabetical within a group)."""
    rank = {BASE: 0, "sft": 2, "mixed": 3}
    return sorted(models, key=lambda m: (rank.get(m, 1 if m.startswith("expert:") else 4), m))


def mark(comparisons: Comparisons | None, model: str, domain: str, metric: str) -> str:
    """``↑``/``↓`` when ``model`` vs base on ``domain``/``metric`` is significant (paired 95% CI excludes 0), else ''."""
    c = next((c for c in comparisons or [] if (c.get("a"), c.get("b"), c.get("domain"), c.get("metric"))
              == (model, BASE, domain, metric)), None)
    if not c or not c.get("significant"):
        return ""
    return UP if c["diff"] > 0 else DOWN


def cell(model: str, domain: str, m: dict[str, Any], comparisons: Comparisons | None, pad: str = "") -> str:
    """``metric=value · reward``, each number followed by its mark (or ``pad``, to keep columns aligned)."""
    head = headline(m)
    if head is None:
        return "–"
    value = f"{m[head]:.2f}{mark(comparisons, model, domain, head) or pad}"
    if head == "reward_mean":
        return value
    reward = m.get("reward_mean")
    shown = "–" if reward is None else f"{reward:.2f}{mark(comparisons, model, domain, 'reward_mean') or pad}"
    return f"{head}={value} · {shown}"


def rows(models: Models, comparisons: Comparisons | None = None, pad: str = "") -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the table as text; ``pad`` stands where a number has no mark."""
    domains = sorted({d for per in models.values() for d in per}, key=lambda k: ("@" in k, k))
    body = [[model, *(cell(model, d, models[model][d], comparisons, pad) if d in models[model] else "–"
                      for d in domains)] for model in model_order(list(models))]
    return ["model", *domains], body


def legend(models: Models, comparisons: Comparisons | None) -> str:
    """The line under the table that says how to read the marks."""
    if len(models) < 2 or BASE not in models:
        return ""
    if comparisons is None:
        return "differences from base are not tested here (no paired comparisons); see the report"
    n = sorted({int(c["n_prompts"]) for c in comparisons if c.get("b") == BASE and "n_prompts" in c})
    over = f" over {n[0]}{'-' + str(n[-1]) if n[-1] != n[0] else ''} prompts" if n else ""
    return (f"{UP}/{DOWN}: differs from base (paired bootstrap{over}, 95% CI excludes 0); "
            "unmarked differences are within noise")


def markdown(models: Models, comparisons: Comparisons | None = None) -> str:
    """The table as plain Markdown, title and legend included."""
    header, body = rows(models, comparisons)
    lines = [f"**{TITLE}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    note = legend(models, comparisons)
    return "\n".join(lines + (["", note] if note else []))


def rich_table(models: Models, comparisons: Comparisons | None = None) -> Any:
    """The table for a terminal (cells never wrap)."""
    from rich.table import Table

    header, body = rows(models, comparisons, pad=" ")  # a blank where a mark would be: the digits stay aligned
    table = Table(title=TITLE, caption=legend(models, comparisons) or None)
    table.add_column(header[0], no_wrap=True)
    for d in header[1:]:
        table.add_column(d, justify="right", no_wrap=True)
    for r in body:
        table.add_row(*r)
    return table


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (rich table) or not (a file, a pipe: Markdown)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def print_metrics_table(models: Models, stream: Any = None, comparisons: Comparisons | None = None) -> None:
    """Print the table to ``stream`` (default stdout): rich on a terminal at its full width, else Markdown."""
    stream = stream or sys.stdout
    if not is_terminal(stream):
        stream.write(markdown(models, comparisons) + "\n")
        stream.flush()
        return
    from rich.console import Console

    table = rich_table(models, comparisons)
    console = Console(file=stream)
    width = Console(file=stream, width=100_000).measure(table).maximum  # its natural width, uncapped
    if width > console.width:
        console = Console(file=stream, width=width)
    console.print(table)
