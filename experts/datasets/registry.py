"""Registry of dataset builders: ``@register_dataset("math", required=("prompt", "answer"))``.

A builder is ``build(split: "train"|"eval", n: int, seed: int) -> list[row]`` and returns at
most ``n`` rows of the schema in ``rows.py``. ``required`` names the row keys an external
source for that domain must provide (checked by ``sources.py``). A generator with difficulty
levels registers their names (``difficulties=("easy", "medium", "hard", "mixed")``) and also takes
``difficulty=`` (a name, a level number or a list of levels; see ``rows.level_table``).
Duplicate names are rejected.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .rows import ROW_KEYS, Row

Builder = Callable[..., list[Row]]  # (split, n, seed[, difficulty=...])


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    build: Builder
    required: tuple[str, ...]
    difficulties: tuple[str, ...] = ()
    """Named difficulty levels the builder accepts as ``difficulty=``; empty = no levels."""


_DATASETS: dict[str, DatasetEntry] = {}


def register_dataset(name: str, required: tuple[str, ...] = ("prompt",),
                     difficulties: tuple[str, ...] = ()) -> Callable[[Builder], Builder]:
    """Decorator registering ``build`` under ``name``; the builder is returned unchanged."""
    bad = [k for k in required if k not in ROW_KEYS]
    if bad or "prompt" not in required:
        raise ValueError(f"dataset {name!r}: required must include 'prompt' and only row keys {ROW_KEYS}, got {required}")

    def deco(build: Builder) -> Builder:
        old = _DATASETS.get(name)
        if old is not None and _origin(old.build) != _origin(build):
            raise ValueError(f"dataset {name!r} is already registered by {_origin(old.build)}")
        _DATASETS[name] = DatasetEntry(name, build, tuple(required), tuple(difficulties))
        return build

    return deco


def _origin(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def registered_datasets() -> dict[str, DatasetEntry]:
    from . import builtin  # noqa: F401  (importing registers the built-in builders)

    return dict(_DATASETS)


def get_dataset(name: str) -> DatasetEntry:
    datasets = registered_datasets()
    if name not in datasets:
        raise KeyError(f"unknown dataset {name!r}; registered: {', '.join(sorted(datasets))}")
    return datasets[name]
