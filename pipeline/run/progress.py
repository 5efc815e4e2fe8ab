"""Progress: stages write ``progress.json``; the driver draws one bar per stage and a line per finished one.

Each bar shows the time spent and an estimate of the time left (pipeline/run/estimate.py: from the
stage's estimate before it makes progress, moving toward its progress rate as it advances).

In a stage process (inside :func:`pipeline.run.stage_log.stage_output`, which calls
:func:`progress_file`), :func:`progress_bar` and :func:`report_progress` write
``{"description", "done", "total"}`` to the stage's ``progress.json`` (atomically, at most a few
times a second). Outside a stage (``posttrain rewards score``) :func:`progress_bar` draws a rich
bar itself. The driver's :class:`StageBars` polls those files while it waits for the stages.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from ..io import write_text_atomic

_PROGRESS: dict[str, Any] = {"path": None, "last": 0.0}
MIN_INTERVAL_S = 0.3


@contextlib.contextmanager
def progress_file(path: Path) -> Iterator[None]:
    """Within this block, progress is written to ``path`` instead of drawn."""
    old = _PROGRESS["path"]
    _PROGRESS["path"] = Path(path)
    try:
        yield
    finally:
        _PROGRESS["path"] = old


def report_progress(done: float, total: float | None, description: str, force: bool = False) -> None:
    """Record a stage's progress (no-op outside a stage); throttled unless ``force`` or finished."""
    path: Path | None = _PROGRESS["path"]
    now = time.monotonic()
    if path is None or (not force and done != total and now - _PROGRESS["last"] < MIN_INTERVAL_S):
        return
    _PROGRESS["last"] = now
    write_text_atomic(path, json.dumps({"description": description, "done": done, "total": total}))


def read_progress(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``: into the stage's progress file inside a stage, else a rich bar."""
    if _PROGRESS["path"] is not None:
        done = [0]

        def advance(n: int = 1) -> None:
            done[0] += n
            report_progress(done[0], total, description)

        report_progress(0, total, description, force=True)
        yield advance
        report_progress(done[0], total, description, force=True)
        return
    from rich.progress import Progress

    with Progress(*_columns(), transient=False) as prog:
        task = prog.add_task(description, total=total)
        yield lambda n=1: prog.advance(task, n)


def _columns() -> tuple:
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    from .estimate import remaining_text

    class TimeLeftColumn(ProgressColumn):
        """``~m:ss left`` from the stage's estimate (``task.fields["estimate_s"]``) and its progress."""

        def render(self, task: Any) -> Text:
            if task.finished:
                return Text("")
            fraction = task.completed / task.total if task.total else None
            return Text(remaining_text(task.elapsed or 0.0, fraction, task.fields.get("estimate_s")), style="cyan")

    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeLeftColumn())


class StageBars:
    """The driver's view: one bar per running stage, fed by the stages' ``progress.json`` files."""

    def __init__(self, console: Any):
        from rich.progress import Progress

        self.console = console
        self.progress = Progress(*_columns(), console=console, transient=False)
        self.tasks: dict[str, tuple[Any, Path]] = {}

    def __enter__(self) -> "StageBars":
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def add(self, name: str, progress_path: Path, estimate_s: float | None = None) -> None:
        """A bar for stage ``name``; ``estimate_s`` (pipeline/run/estimate.py) feeds its time-left column."""
        with contextlib.suppress(FileNotFoundError):
            progress_path.unlink()  # a previous attempt's file
        self.tasks[name] = (self.progress.add_task(name, total=None, estimate_s=estimate_s), progress_path)

    def poll(self) -> None:
        for name, (task, path) in self.tasks.items():
            p = read_progress(path)
            if p:
                desc = p["description"] if p["description"].startswith(name) else f"{name}: {p['description']}"
                self.progress.update(task, description=desc, completed=p["done"], total=p.get("total"))

    def finish(self, name: str, line: str) -> None:
        """Complete ``name``'s bar and print its summary line above the bars."""
        task, _ = self.tasks[name]
        total = self.progress.tasks[task].total or 1
        self.progress.update(task, completed=total, total=total)
        self.progress.console.print(line, soft_wrap=True, highlight=False)


SUMMARY_METRICS = 4


def stage_summary(name: str, manifest: dict[str, Any], log_path: Path | str) -> str:
    """One line for a finished stage: status, seconds, a few numeric metrics, its log file."""
    metrics = [(k, v) for k, v in (manifest.get("metrics") or {}).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)][:SUMMARY_METRICS]
    shown = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics)
    note = (manifest.get("metrics") or {}).get("note")  # a stage's one-phrase warning (distill: groups that kept nothing)
    if isinstance(note, str) and note:
        shown = f"{shown}  {note}".strip()
    return (f"{name}: {manifest.get('status', '?')} in {manifest.get('duration_s', 0):.1f}s"
            f"{'  ' + shown if shown else ''}  (log: {log_path})")


@contextlib.contextmanager
def single_stage_console(name: str, folder: Path) -> Iterator[Callable[[dict[str, Any]], None]]:
    """`posttrain stage NAME` in this process: a bar drawn on a copy of the console's fd (it stays on the
    terminal while the stage points fd 1 at its log), then the stage's line. Yields ``done(manifest)``."""
    import threading

    from rich.console import Console

    stream = os.fdopen(os.dup(1), "w", buffering=1)
    bars = StageBars(Console(file=stream, highlight=False))
    bars.add(name, folder / "progress.json")
    stop, result = threading.Event(), {}

    def poll_until_stopped() -> None:
        while not stop.wait(0.5):
            bars.poll()

    poller = threading.Thread(target=poll_until_stopped, daemon=True)
    failed = True
    try:
        with bars:
            poller.start()
            try:
                yield lambda m: result.update(m=m)
                failed = False
            finally:
                stop.set()
                poller.join()
                bars.poll()
                log_path = folder / "stage.log"
                bars.finish(name, f"{name}: failed (log: {log_path})" if failed or "m" not in result
                            else stage_summary(name, result["m"], log_path))
    finally:
        stream.close()
