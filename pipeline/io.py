"""The one atomic writer: every file the pipeline writes for others to read goes through here.

The data lands in a temp file next to the target (``.<name>.<random>.tmp``), is flushed and
fsynced, then renamed over the target, so a reader sees the old file or the whole new one. On
any error (ENOSPC, a crash in a serialiser) the temp file is removed, the target is untouched,
and an OSError without a filename gets the target's path.

    with atomic_path(out) as tmp:          # for writers that take a path (pyarrow, torch)
        pq.write_table(table, tmp)
    with open_atomic(out) as f:            # streaming text
        f.write(...)
    write_json_atomic(path, data); write_jsonl_atomic(path, rows); write_text_atomic(path, text)
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()  # what open() would give; mkstemp alone makes the file private (0600)


@contextmanager
def _temp_beside(path: Path) -> Iterator[tuple[int, Path]]:
    """A temp file (fd, path) beside ``path``; renamed over it when the block succeeds, else removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        os.chmod(tmp, FILE_MODE)
        yield fd, tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = str(path)
        raise


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temp path beside ``path`` for a writer that takes a path; renamed over ``path`` on success."""
    with _temp_beside(Path(path)) as (fd, tmp):
        os.close(fd)
        yield tmp


@contextmanager
def open_atomic(path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """``open()`` for writing whose result appears at ``path`` only when the block succeeds."""
    with _temp_beside(Path(path)) as (fd, _), os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as f:
        yield f


def write_text_atomic(path: Path | str, text: str) -> None:
    with open_atomic(path) as f:
        f.write(text)


def write_json_atomic(path: Path | str, data: Any) -> None:
    """JSON with sorted keys and indent 2 (non-JSON values via ``str``)."""
    with open_atomic(path) as f:
        json.dump(data, f, indent=2, sort_keys=True, default=str)


def write_jsonl_atomic(path: Path | str, rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line (non-JSON values via ``str``)."""
    with open_atomic(path) as f:
        for row in rows:
            f.write(json.dumps(row, default=str) + "\n")
