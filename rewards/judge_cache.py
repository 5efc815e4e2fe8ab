"""Cache of judge verdicts: an in-memory LRU, optionally persisted as JSONL files in a folder.

Keys are sha256 hashes of (prompt version, judge model, constitution fingerprint, rubric,
prompt, response); see :func:`cache_key`. Only clean verdicts (status ``ok``) are stored:
errors and unparseable answers are retried next time. The guard runs after the cache, so
changing the guard mode never serves stale flags.

On disk every process appends to its own ``judge-<pid>-<random>.jsonl`` (no cross-process
write races); on start all ``*.jsonl`` files in the folder are read (the newest
``max_items`` entries are kept), and truncated or corrupt lines are skipped.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .base import RewardResult


def cache_key(model: str, constitution_fp: str, rubric: list[dict[str, Any]], prompt: str, response: str,
              version: str) -> str:
    blob = json.dumps([version, model, constitution_fp, rubric, prompt, response], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class JudgeCache:
    """Thread-safe LRU of RewardResults with optional JSONL persistence."""

    def __init__(self, max_items: int = 4096, cache_dir: str | Path | None = None):
        if max_items < 0:
            raise ValueError("judge cache: cache_size must be >= 0")
        self.max_items = max_items
        self.items: OrderedDict[str, RewardResult] = OrderedDict()
        self.lock = threading.Lock()
        self.path: Path | None = None
        if cache_dir is not None:
            folder = Path(cache_dir)
            folder.mkdir(parents=True, exist_ok=True)
            self._load(folder)
            self.path = folder / f"judge-{os.getpid()}-{secrets.token_hex(3)}.jsonl"

    def _load(self, folder: Path) -> None:
        for file in sorted(folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime):
            for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                    res = RewardResult(float(rec["score"]), "ok", dict(rec.get("components") or {}), dict(rec.get("info") or {}))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash
                self._put(str(rec["key"]), res)

    def _put(self, key: str, res: RewardResult) -> None:
        self.items[key] = res
        self.items.move_to_end(key)
        while len(self.items) > self.max_items:
            self.items.popitem(last=False)

    def get(self, key: str) -> RewardResult | None:
        """A copy of the cached verdict (callers may mutate it), or None."""
        with self.lock:
            res = self.items.get(key)
            if res is None:
                return None
            self.items.move_to_end(key)
            return copy.deepcopy(res)

    def put_many(self, entries: dict[str, RewardResult]) -> None:
        """Store ok verdicts; others are ignored."""
        ok = {k: copy.deepcopy(r) for k, r in entries.items() if r.status == "ok" and r.score is not None}
        if not ok:
            return
        with self.lock:
            for k, r in ok.items():
                self._put(k, r)
            if self.path is not None:
                lines = [json.dumps({"key": k, "score": r.score, "components": r.components, "info": r.info},
                                    ensure_ascii=False, default=str) for k, r in ok.items()]
                with self.path.open("a", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")

    def __len__(self) -> int:
        return len(self.items)
