"""Stage manifests: ``<run_dir>/<stage>/manifest.json``, written atomically.

A manifest records the stage's config hash, inputs, outputs, metrics, status and timing.
The orchestrator skips a stage whose manifest is ``complete`` with the same config hash.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class StageRecord:
    """What a later stage reads of an earlier one: its manifest, typed. ``outputs`` holds paths
    (``checkpoint``, ``dataset``, ``metrics``, ``samples``, ...) as the stage wrote them."""
    stage: str
    status: str | None = None
    config_hash: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def checkpoint(self) -> str | None:
        """The model this stage trained, once it is complete (None otherwise or for stages without one)."""
        return self.outputs.get("checkpoint") if self.complete else None

    @property
    def dataset(self) -> str | None:
        return self.outputs.get("dataset")


def read_record(run_dir: Path, stage: str) -> StageRecord | None:
    """The stage's manifest as a :class:`StageRecord`; None when the stage has not started."""
    m = read_manifest(run_dir, stage)
    if m is None:
        return None
    return StageRecord(stage=m.get("stage", stage), status=m.get("status"), config_hash=m.get("config_hash"),
                       outputs=dict(m.get("outputs") or {}), metrics=dict(m.get("metrics") or {}))


def is_complete(run_dir: Path, stage: str, config_hash: str) -> bool:
    r = read_record(run_dir, stage)
    return bool(r and r.complete and r.config_hash == config_hash)


def write_manifest(run_dir: Path, stage: str, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into the stage's manifest and write it atomically."""
    m = read_manifest(run_dir, stage) or {"stage": stage}
    m.update(fields, updated=time.time())
    write_json_atomic(stage_dir(run_dir, stage) / "manifest.json", m)
    return m
