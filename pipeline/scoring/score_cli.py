"""`posttrain rewards score`: score JSONL rows with the rewards configured for each row's domain.

Rows are validated before anything is scored: a malformed row (bad JSON or UTF-8, missing
``domain`` or ``completion``, a field of the wrong type, unknown domain) is an error naming its
line number; with
``skip_bad_rows`` the bad lines are reported on stderr and left out. The output is
written to a temp file and renamed, so a failed run leaves no partial output.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..config import PipelineConfig
from ..errors import InputError
from ..io import open_atomic

REQUIRED = ("domain", "completion")


def _is_messages(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(m, dict) and isinstance(m.get("content", ""), str) for m in v)


def _check_types(row: dict[str, Any]) -> None:
    """Field types the rewards rely on; a wrong type would otherwise be scored as if it were text."""
    if not isinstance(row["domain"], str):
        raise ValueError(f"field 'domain' must be a string, got {type(row['domain']).__name__}")
    for key in ("completion", "prompt"):
        v = row.get(key)
        if v is not None and not (isinstance(v, str) or _is_messages(v)):
            raise ValueError(f"field {key!r} must be a string or a list of chat messages, got {type(v).__name__}")
    for key in ("tests", "entry_point", "language"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise ValueError(f"field {key!r} must be a string, got {type(row[key]).__name__}")


def read_rows(path: str, domains: list[str], skip_bad_rows: bool) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--input: file {path!r} not found")
    rows, bad = [], []
    for lineno, raw in enumerate(p.read_bytes().splitlines(), 1):
        if not raw.strip():
            continue
        try:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(f"not UTF-8 text (byte {e.start})") from None
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("row is not a JSON object")
            missing = [k for k in REQUIRED if row.get(k) is None]
            if missing:
                raise ValueError(f"missing required field {missing[0]!r}")
            _check_types(row)
            if row["domain"] not in domains:
                raise ValueError(f"unknown domain {row['domain']!r}; configured: {', '.join(domains)}")
        except (json.JSONDecodeError, ValueError) as e:
            msg = f"{path}:{lineno}: {e.msg if isinstance(e, json.JSONDecodeError) else e}"
            if not skip_bad_rows:
                raise InputError(msg + " (fix the row or pass --skip-bad-rows)") from None
            bad.append(msg)
            continue
        row.setdefault("id", f"line-{lineno}")
        row.setdefault("prompt", "")
        rows.append(row)
    for msg in bad:
        print(f"skipped: {msg}", file=sys.stderr)
    return rows


def score_file(cfg: PipelineConfig, input_path: str, output_path: str, skip_bad_rows: bool = False,
               batch_size: int = 64) -> int:
    from ..run.progress import progress_bar
    from .reward_factory import build_router

    all_domains = sorted(set(cfg.domains) | set(cfg.rewards))
    rows = read_rows(input_path, all_domains, skip_bad_rows)
    router = build_router(cfg, domains=sorted({r["domain"] for r in rows}) or all_domains[:1])
    out_path = Path(output_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open_atomic(out_path) as f, progress_bar(len(rows), "scoring") as advance:
        for i in range(0, len(rows), batch_size):
            for row in router.score_rows(rows[i:i + batch_size]):
                f.write(json.dumps(row, default=str) + "\n")
            advance(min(batch_size, len(rows) - i))
    print(f"scored {len(rows)} rows -> {out_path}")
    return 0
