"""Where relative paths in configs point: the current directory first, then the project root
(so `posttrain run configs/demo.yaml` works from anywhere, and under `ray job submit
--working-dir .`)."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def resolve_path(p: str | Path) -> Path:
    path = Path(p).expanduser()
    if path.is_absolute() or path.exists():
        return path
    alt = PROJECT_ROOT / path
    return alt if alt.exists() else path
