"""Stage manifests: ``<run_dir>/<stage>/manifest.json``, written atomically.

A manifest records the stage's config hash, inputs, outputs, metrics, status and timing.
The orchestrator skips a stage whose manifest is ``complete`` with the same config hash.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..io import write_json_atomic  # noqa: F401  (re-exported: manifest.write_json_atomic)


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
