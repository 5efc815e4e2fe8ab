"""Distillation shards: atomic parquet files plus a manifest that records finished shards.

A shard is done when the manifest (``shards.json``, rewritten atomically) lists it; its parquet
file is renamed into place *before* the manifest is updated. A run killed at any moment
therefore either finds a shard in the manifest with its complete file, or redoes it and
overwrites any file left behind, so the final dataset never loses or duplicates rows.
Shards that kept no rows are recorded without a file.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..io import atomic_path, write_json_atomic

COLUMNS = ("messages", "domain", "mode", "expert", "source_id", "reward", "components", "completion_tokens",
           "config_hash", "revised", "revision_principle")
OPTIONAL = {"revised": False, "revision_principle": ""}
"""Columns a row may omit (an original sample, not a self-critique revision)."""


class ShardStore:
    def __init__(self, root: Path):
        self.root, self.data = Path(root), Path(root) / "data"
        self.manifest = self.root / "shards.json"
        self.done: dict[str, dict[str, Any]] = json.loads(self.manifest.read_text()) if self.manifest.exists() else {}

    def is_done(self, shard_id: str) -> bool:
        rec = self.done.get(shard_id)
        return rec is not None and (rec["rows"] == 0 or (self.data / f"{shard_id}.parquet").is_file())

    def write(self, shard_id: str, rows: list[dict[str, Any]], stats: dict[str, Any]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if rows:
            self.data.mkdir(parents=True, exist_ok=True)
            path = self.data / f"{shard_id}.parquet"
            with atomic_path(path) as tmp:  # e.g. ENOSPC: no half-written shard file stays behind
                pq.write_table(pa.Table.from_pylist([{c: r[c] if c in r or c not in OPTIONAL else OPTIONAL[c] for c in COLUMNS} for r in rows]), tmp)
        self.done[shard_id] = {"rows": len(rows), **stats}
        write_json_atomic(self.manifest, self.done)
