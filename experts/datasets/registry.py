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

from rewards.registry import Registry

from .rows import ROW_KEYS, Row

Builder = Callable[..., list[Row]]  # (split, n, seed[, difficulty=...])


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    build: Builder
    required: tuple[str, ...]
    difficulties: tuple[str, ...] = ()
    """Named difficulty levels the builder accepts as ``difficulty=``; empty = no levels."""


# The built-in builders, imported on first use; users add theirs with @register_dataset.
DATASETS = Registry("dataset", {
    "agentic_code": "experts.datasets.agentic_code:build",
    "agentic_search": "experts.datasets.search:build",
    "code": "experts.datasets.code:build",
    "logic": "experts.datasets.logic:build",
    "math": "experts.datasets.math:build",
    "writing": "experts.datasets.writing:build",
})


def register_dataset(name: str, required: tuple[str, ...] = ("prompt",),
                     difficulties: tuple[str, ...] = ()) -> Callable[[Builder], Builder]:
    """Decorator registering ``build`` under ``name``; the builder is returned unchanged."""
    bad = [k for k in required if k not in ROW_KEYS]
    if bad or "prompt" not in required:
        raise ValueError(f"dataset {name!r}: required must include 'prompt' and only row keys {ROW_KEYS}, got {required}")
    return DATASETS.decorator(name, lambda build: DatasetEntry(name, build, tuple(required), tuple(difficulties)))


def registered_datasets() -> dict[str, DatasetEntry]:
    return DATASETS.load_all()


def get_dataset(name: str) -> DatasetEntry:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; registered: {', '.join(DATASETS.names())}")
    return DATASETS.get(name)
