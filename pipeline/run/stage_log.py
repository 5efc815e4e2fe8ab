"""Where output goes: engine logs into the stage's log file, the console keeps progress and summaries.

    posttrain run configs/demo.yaml             # console: a bar per stage, a line per finished stage
    posttrain -v run configs/demo.yaml          # --verbose: every library's log on the console again

Inside a stage (a Ray task, or the process of ``posttrain stage``), :func:`stage_output` points
file descriptors 1 and 2 at ``<run_dir>/<stage>/stage.log`` for the stage's duration, so what
vLLM, transformers, torch, TRL, Ray and their C++ kernels print (engine configs, kernel
registration warnings, tqdm bars) lands in that file whatever logger or stream they use. The
stage's own progress goes to ``progress.json`` next to it (pipeline/run/progress.py), which the
driver turns into one bar per stage. With ``--verbose`` nothing is redirected.

The driver process (:func:`configure_logging`) shows warnings of our own packages on the
console; its INFO lines and every third-party logger go to ``<run_dir>/run.log`` once the run
directory is known (:func:`log_to_file`).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Iterator, TextIO

VERBOSE_ENV = "POSTTRAIN_VERBOSE"
OWN_PACKAGES = ("pipeline", "rewards", "experts")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def verbose() -> bool:
    """True when ``--verbose`` was given to the CLI (the flag travels to stage processes as an env var)."""
    return os.environ.get(VERBOSE_ENV, "") == "1"


def set_verbose(on: bool) -> None:
    os.environ[VERBOSE_ENV] = "1" if on else "0"


CONSOLE = {"console": True}  # ``log.info(..., extra=CONSOLE)``: an INFO line the console shows anyway


class _OwnWarnings(logging.Filter):
    """Console filter when not verbose: warnings and errors of our own packages (and INFO lines logged
    with ``extra=CONSOLE``), errors of anything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name.split(".")[0] in OWN_PACKAGES
        if own and getattr(record, "console", False):
            return True
        return record.levelno >= (logging.WARNING if own else logging.ERROR)


def configure_logging(is_verbose: bool) -> None:
    """Logging of the CLI process: everything at DEBUG on stderr with ``--verbose``, else our warnings only."""
    set_verbose(is_verbose)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
    if not is_verbose:
        handler.addFilter(_OwnWarnings())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if is_verbose else logging.INFO)


def log_to_file(path: Path) -> None:
    """Also append every INFO+ record of this process to ``path`` (the driver's ``run.log``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path.resolve() for h in root.handlers):
        return
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)


@contextlib.contextmanager
def stage_output(stage_path: Path, redirect: bool | None = None) -> Iterator[Path]:
    """Send this process's fd 1 and 2 (and so every library's output) to ``stage_path/stage.log``.

    ``redirect=None`` means "unless --verbose". Python logging goes through a stderr handler at
    INFO, so our own lines and the engines' interleave in time order in the same file."""
    stage_path.mkdir(parents=True, exist_ok=True)
    log_path = stage_path / "stage.log"
    if redirect is None:
        redirect = not verbose()
    if not redirect:
        handler = logging.FileHandler(log_path)
        handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
        logging.getLogger().addHandler(handler)
        try:
            yield log_path
        finally:
            logging.getLogger().removeHandler(handler)
            handler.close()
        return
    global _CONSOLE
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    _CONSOLE = os.fdopen(os.dup(saved[0]), "w", buffering=1)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
    root = logging.getLogger()
    old_level = root.level
    # the console handlers (filtered or not) are replaced by one unfiltered handler on the redirected stderr
    filtered = [h for h in root.handlers if type(h) is logging.StreamHandler]
    for h in filtered:
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(min(old_level or logging.INFO, logging.INFO))
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield log_path
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        root.removeHandler(handler)
        for h in filtered:
            root.addHandler(h)
        root.setLevel(old_level)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for x in (fd, *saved):
            os.close(x)
        _CONSOLE.close()
        _CONSOLE = None


_CONSOLE: TextIO | None = None


def console_stream() -> TextIO:
    """The console while :func:`stage_output` points fd 1 at a stage log (a copy of the original fd 1),
    else ``sys.stdout``."""
    return _CONSOLE or sys.stdout
