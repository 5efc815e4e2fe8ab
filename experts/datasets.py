"""Load a domain split as rows: the built-in generator, a local JSONL/parquet file, or a hub dataset.

    load_domain("math", "eval", n=16, seed=0)
    load_domain("math", "train", n=256, seed=0, source="data/my_math.jsonl", columns={"question": "prompt"})

Rows always carry every key of ``ROW_KEYS`` (None where absent) and go through ``datasets``
so that a config can point any domain at a hub dataset id instead.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import ROW_KEYS, get_expert

REQUIRED = ("prompt",)


class DataSourceError(ValueError):
    """A data source that cannot be used; the message names the file/dataset and the problem."""


def _load_external(source: str, split: str) -> Any:
    import datasets

    path = Path(source).expanduser()
    if path.suffix in (".jsonl", ".json", ".parquet"):
        if not path.exists():
            raise DataSourceError(f"data file {source!r} not found")
        fmt = "parquet" if path.suffix == ".parquet" else "json"
        return datasets.load_dataset(fmt, data_files=str(path), split="train")
    try:
        ds = datasets.load_dataset(source)
    except Exception as e:  # noqa: BLE001 - hub errors vary; the advice is the same
        raise DataSourceError(f"hub dataset {source!r} could not be loaded ({type(e).__name__}); "
                              "download it and point `source` at a local .jsonl or .parquet file") from None
    return ds[split] if split in ds else ds[next(iter(ds))]


def _normalise(domain: str, split: str, records: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    rows = []
    for i, rec in enumerate(records):
        missing = [c for c in REQUIRED if rec.get(c) in (None, "")]
        if missing:
            raise DataSourceError(f"{source}: row {i + 1}: missing required column {missing[0]!r} "
                                  "(map it with data.<domain>.columns)")
        row = {k: rec.get(k) for k in ROW_KEYS}
        row.update(domain=domain, id=str(rec.get("id") or f"{domain}-{split}-{i:05d}"), language=rec.get("language") or "en")
        for k in ("answer", "tests", "entry_point"):
            row[k] = None if row[k] is None else str(row[k])
        rows.append(row)
    return rows


def load_domain(domain: str, split: str, n: int, seed: int = 0, source: str | None = None,
                columns: dict[str, str] | None = None) -> list[dict[str, Any]]:
    spec = get_expert(domain)
    if source is None:
        return spec.build(split, n, seed)
    ds = _load_external(source, split)
    if columns:
        ds = ds.rename_columns({k: v for k, v in columns.items() if k in ds.column_names})
    records = ds.shuffle(seed=seed).select(range(min(n, len(ds)))).to_list()
    if not records:
        raise DataSourceError(f"{source}: no rows")
    return _normalise(domain, split, records, source)
