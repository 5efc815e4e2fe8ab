"""External data for a domain: a local JSONL/JSON/parquet file or a hub dataset id.

    load_source("data/my_math.jsonl", "math", "train", n=256, seed=0, columns={"question": "prompt"})
    load_source("data/my_math_{split}.jsonl", ...)     # one file per split: {split} -> train / eval
    load_source("someone/gsm-like", ...)               # datasets.load_dataset(id), needs the HF hub
    load_source("openai/gsm8k:main", ...)              # hub id with a config name

``columns`` renames source columns to row keys. The domain's required keys (e.g. ``prompt``
and ``answer`` for math) must then exist, or ``DataSourceError`` names the missing column and
the file. Held-out splits, in order of preference: a ``{split}`` placeholder in the path; a
hub split (train / eval, validation, test); a ``split`` column in the file; else a hash of
each prompt puts 20% of the rows in eval, so train and eval never overlap. The seed picks
which rows of the split are used. Values are normalised to the row schema (answer to a
string, rubric to ``[{criterion, weight}]``); ids get the ``<domain>-<split>-`` prefix.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from .normalise import normalise_record
from .rows import ROW_KEYS, DataSourceError, Row, in_eval_split

SPLIT_NAMES = {"train": ("train",), "eval": ("eval", "validation", "valid", "test")}
FILE_SUFFIXES = (".jsonl", ".json", ".parquet")


def _is_path(source: str) -> bool:
    return source.endswith(FILE_SUFFIXES) or source.startswith((".", "/", "~")) or Path(source).exists()


def _read_file(path: Path) -> Any:
    import datasets

    if not path.is_file():
        raise DataSourceError(f"data file {str(path)!r} not found")
    try:
        reader = datasets.Dataset.from_parquet if path.suffix == ".parquet" else datasets.Dataset.from_json
        return reader(str(path))
    except Exception as e:  # noqa: BLE001 - malformed files raise many types; the message names the file
        raise DataSourceError(f"data file {str(path)!r} could not be read as "
                              f"{path.suffix.lstrip('.') or 'json'}: {type(e).__name__}: {str(e)[:200]}") from None


def _read_hub(source: str, split: str) -> tuple[Any, bool]:
    import datasets

    name, _, config = source.partition(":")
    try:
        dd = datasets.load_dataset(name, config or None)
    except Exception as e:  # noqa: BLE001 - hub failures vary (offline, missing, auth); the advice is the same
        raise DataSourceError(
            f"hub dataset {source!r} could not be loaded ({type(e).__name__}: {str(e)[:160]}). If the Hugging Face "
            "hub is unreachable, download the dataset elsewhere and point `source` at a local .jsonl or .parquet "
            "file (use `columns` to map its column names)") from None
    for name in SPLIT_NAMES[split]:
        if name in dd:
            return dd[name], True
    return dd[next(iter(dd))], False


def read_source(source: str, split: str) -> tuple[Any, bool, str]:
    """(a ``datasets.Dataset``, whether it is already this split's rows, a name for messages)."""
    if "{split}" in source:
        path = Path(source.format(split=split)).expanduser()
        return _read_file(path), True, str(path)
    if _is_path(source):
        path = Path(source).expanduser()
        return _read_file(path), False, str(path)
    ds, presplit = _read_hub(source, split)
    return ds, presplit, f"hub dataset {source!r}"


def _rename(ds: Any, columns: dict[str, str] | None, where: str) -> Any:
    columns = dict(columns or {})
    missing = [c for c in columns if c not in ds.column_names]
    if missing:
        raise DataSourceError(f"{where}: column mapping names {missing[0]!r}, which is not a column "
                              f"(columns: {', '.join(ds.column_names)})")
    bad = [v for v in columns.values() if v not in ROW_KEYS + ("split",)]
    if bad:
        raise DataSourceError(f"{where}: column mapping targets {bad[0]!r}, which is not a row key ({', '.join(ROW_KEYS)})")
    clash = [c for c in columns.values() if c in ds.column_names and c not in columns]
    return ds.remove_columns(clash).rename_columns(columns) if columns else ds


def _check_required(ds: Any, required: tuple[str, ...], where: str, domain: str) -> None:
    for col in required:
        if col not in ds.column_names:
            raise DataSourceError(
                f"{where}: missing required column {col!r} for domain {domain!r} (columns: {', '.join(ds.column_names)}); "
                f"rename one with `columns` (data.{domain}.columns), e.g. {{your_column: {col}}}")


def _split_indices(ds: Any, split: str, presplit: bool) -> list[int]:
    if presplit:
        return list(range(len(ds)))
    if "split" in ds.column_names:
        return [i for i, s in enumerate(ds["split"]) if str(s).lower() in SPLIT_NAMES[split]]
    texts = [p if isinstance(p, str) else json.dumps(p, sort_keys=True, default=str) for p in ds["prompt"]]
    return [i for i, t in enumerate(texts) if in_eval_split(t) == (split == "eval")]


def load_source(source: str, domain: str, split: str, n: int, seed: int,
                columns: dict[str, str] | None, required: tuple[str, ...]) -> list[Row]:
    """Up to ``n`` normalised rows of ``split`` from ``source`` (see the module docstring)."""
    ds, presplit, where = read_source(source, split)
    ds = _rename(ds, columns, where)
    _check_required(ds, required, where, domain)
    idx = _split_indices(ds, split, presplit)
    random.Random(f"{source}:{split}:{seed}").shuffle(idx)
    idx = idx[:n]
    if not idx:
        raise DataSourceError(f"{where}: no rows for the {split!r} split (rows: {len(ds)})")
    records = ds.select(idx).to_list()
    return [normalise_record(rec, domain, split, i, required, f"{where}: row {row + 1}")
            for i, (row, rec) in enumerate(zip(idx, records))]
