"""Progress bars and result tables (rich)."""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator


@contextlib.contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; renders a rich progress bar on a terminal, plain log lines otherwise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), transient=False) as prog:
        task = prog.add_task(description, total=total)
        yield lambda n=1: prog.advance(task, n)


HEADLINE = ("accuracy", "pass@1", "rubric_judge", "reward_mean", "length_mean", "truncation_rate")


def print_metrics_table(models: dict[str, dict[str, dict[str, Any]]]) -> None:
    """models × domains table of the headline metric per domain plus mean reward."""
    from rich.console import Console
    from rich.table import Table

    domains = sorted({d for per in models.values() for d in per})
    table = Table(title="posttrain eval (headline metric | mean reward)")
    table.add_column("model")
    for d in domains:
        table.add_column(d, justify="right")
    for model, per in models.items():
        cells = []
        for d in domains:
            m = per.get(d, {})
            head = next((k for k in HEADLINE[:3] if k in m), None)
            cells.append(f"{head}={m[head]:.2f} | {m.get('reward_mean', 0):.2f}" if head else f"{m.get('reward_mean', 0):.2f}")
        table.add_row(model, *cells)
    Console().print(table)
