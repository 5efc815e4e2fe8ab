"""Stage manifests: ``<run_dir>/<stage>/manifest.json``, written atomically.

A manifest records the stage's config hash, inputs, outputs, metrics, status and timing.
The orchestrator skips a stage whose manifest is ``complete`` with the same config hash.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON via a temp file + rename, so readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True, default=str)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:  # e.g. ENOSPC: leave neither a temp file nor a half-written target
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = str(path)
        raise


def stage_dir(run_dir: Path, stage: str) -> Path:
    return Path(run_dir) / stage.replace(":", "_")


def read_manifest(run_dir: Path, stage: str) -> dict[str, Any] | None:
    path = stage_dir(run_dir, stage) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def is_complete(run_dir: Path, stage: str, config_hash: str) -> bool:
    m = read_manifest(run_dir, stage)
    return bool(m and m.get("status") == "complete" and m.get("config_hash") == config_hash)


def write_manifest(run_dir: Path, stage: str, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into the stage's manifest and write it atomically."""
    m = read_manifest(run_dir, stage) or {"stage": stage}
    m.update(fields, updated=time.time())
    write_json_atomic(stage_dir(run_dir, stage) / "manifest.json", m)
    return m
