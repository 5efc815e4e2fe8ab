"""Domain datasets: a registry of builders and ``load_domain``, which returns a ``datasets.Dataset``.

    from experts.datasets import load_domain
    ds = load_domain("math", "train", n=256, seed=0)                      # built-in generator
    ds = load_domain("math", "train", n=256, seed=0, difficulty="easy")   # one difficulty level
    ds = load_domain("math", "eval", n=16, seed=0, source="data/my_math.jsonl",
                     columns={"question": "prompt", "solution": "answer"})  # local JSONL/JSON/parquet
    ds = load_domain("math", "train", n=256, seed=0, source="org/dataset")  # hub id (needs the HF hub)

Built-in builders (``@register_dataset(name, required=...)``, one module each): math,
code (+ HumanEval for eval), logic, writing (``data/writing.jsonl``), agentic_search
(``data/search_corpus.jsonl``), agentic_code. Every row has every key of ``ROW_KEYS`` and
the dataset has the fixed ``row_features()``, so domains concatenate and interleave.
Train and eval are disjoint and each is deterministic for a seed (see ``rows.py``).
Rows carry the plain question; the expert's prompt template and the chat / thinking
wrapping are applied later (``pipeline/data.py``, ``pipeline/rollout/templates.py``).
Departures from the paper: V3.2's RL prompts are large curated corpora; these are small
generators sized so that a 135M model gets some rewards (DESIGN.md, calibration).
"""
from __future__ import annotations

from typing import Any

from .registry import DatasetEntry, get_dataset, register_dataset, registered_datasets
from .rows import ROW_KEYS, DataSourceError, Difficulty, Row, check_split, row_features, validate_row

__all__ = ["ROW_KEYS", "DataSourceError", "DatasetEntry", "get_dataset", "load_domain", "load_rows",
           "register_dataset", "registered_datasets", "row_features", "to_dataset"]


def dataset_for(domain: str) -> DatasetEntry:
    """The builder of ``domain``: the dataset its registered expert names, else the same name."""
    from ..base import registered_experts

    spec = registered_experts().get(domain)
    return get_dataset(spec.dataset if spec is not None else domain)


def _retag(row: Row, entry: DatasetEntry, domain: str) -> Row:
    """Rows of a builder shared by another domain carry that domain (and an id with its prefix)."""
    if row["domain"] == domain:
        return row
    rid = row["id"]
    rid = domain + rid[len(row["domain"]):] if rid.startswith(row["domain"] + "-") else f"{domain}-{rid}"
    return {**row, "domain": domain, "id": rid}


def _build(entry: DatasetEntry, domain: str, split: str, n: int, seed: int, difficulty: Difficulty) -> list[Row]:
    if difficulty is None:
        return entry.build(split, n, seed)
    if not entry.difficulties:
        raise DataSourceError(f"data.{domain}.difficulty: the built-in dataset {entry.name!r} has no difficulty "
                              "levels (generated domains with levels: math, logic); remove the field")
    try:
        return entry.build(split, n, seed, difficulty=difficulty)
    except ValueError as e:
        raise DataSourceError(f"data.{domain}.difficulty: {e}") from None


def load_rows(domain: str, split: str, n: int, seed: int = 0, source: str | None = None,
              columns: dict[str, str] | None = None, difficulty: Difficulty = None) -> list[Row]:
    """Like ``load_domain`` but returns plain dicts (no ``datasets`` import for built-ins)."""
    from .sources import load_source

    check_split(split)
    if not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    entry = dataset_for(domain)
    if source and difficulty is not None:
        raise DataSourceError(f"data.{domain}.difficulty: levels belong to the built-in generators; "
                              f"{source!r} is an external source (remove difficulty or source)")
    if source:
        rows, where = load_source(source, domain, split, n, seed, columns, entry.required), source
    else:
        rows, where = _build(entry, domain, split, n, seed, difficulty), f"built-in dataset {entry.name!r}"
    if not rows:
        raise DataSourceError(f"{where}: no rows for domain {domain!r}, split {split!r}")
    rows = [validate_row(_retag(r, entry, domain), f"{where} ({split} row {i})") for i, r in enumerate(rows)]
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise DataSourceError(f"{where}: duplicate row ids, e.g. {next(i for i in ids if ids.count(i) > 1)!r}")
    return rows


def to_dataset(rows: list[Row]) -> Any:
    """A ``datasets.Dataset`` with the fixed row features."""
    import datasets

    return datasets.Dataset.from_list(rows, features=row_features())


def load_domain(domain: str, split: str, n: int, seed: int = 0, source: str | None = None,
                columns: dict[str, str] | None = None, difficulty: Difficulty = None) -> Any:
    """Up to ``n`` rows of ``domain``'s ``split`` as a ``datasets.Dataset`` (see module docstring).

    ``source``: None for the built-in generator, a local file path (``{split}`` in it selects
    one file per split) or a hub dataset id. ``columns``: rename map from source columns to
    row keys. ``difficulty``: a level of a generator that has them (math, logic; see their modules).
    Raises ``DataSourceError`` (a ``ValueError``) naming the file and the problem.
    """
    return to_dataset(load_rows(domain, split, n, seed, source, columns, difficulty))
