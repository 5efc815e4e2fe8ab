"""The SFT training set: load the distillation shards, mix them by domain and mode, and turn
each row into TRL's conversational prompt/completion format.

    ds = load_distill(distill_dataset_dir(run_dir))           # InputError if missing/empty/malformed
    idx = mix_indices(ds["domain"], ds["mode"], cfg.sft.domain_weights, cfg.sft.mode_weights, cfg.seed)
    train = to_prompt_completion(ds.select(idx))              # prompt = messages[:-1], completion = [last]

Mixing: each row gets weight ``domain_weights[domain] * mode_weights[mode]`` (missing keys
weigh 1, 0 drops the group), and the mixed set keeps the size of the source set. A row's
number of copies is its expected count rounded down, plus one for a seeded draw (without
replacement) over the fractional parts, so the group shares match the weights to within one
row and the result depends only on ``seed``. Departure from the paper: V3.2 does not publish
its SFT mixture; relative weights on top of the distilled data's own proportions are ours.

Held-out slice: :func:`heldout_split` sets aside ``sft.heldout_rows`` rows (at most a fifth of the
data) whose prompts no trained row shares (rows are grouped by their user turn, so the other mode's
answer to a held-out prompt is held out too); the stage reports the completion loss on them before
and after SFT, which reads as learning or not, unlike the noisy first and last batch losses.
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from ..errors import ConfigError, InputError
from ..run.manifest import read_record, stage_dir
from ..rollout.templates import MODES

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("messages", "domain", "mode")


def distill_dataset_dir(run_dir: Path) -> Path:
    """Where the distill stage wrote its shards: its manifest's ``outputs.dataset``, else ``<run>/distill/data``."""
    r = read_record(run_dir, "distill")
    if r and r.status not in (None, "complete"):
        raise InputError(f"the distill stage in {stage_dir(run_dir, 'distill')} is {r.status!r}, not complete; "
                         "run `posttrain stage distill CONFIG` (or `posttrain run CONFIG`) to finish it before sft")
    out = r.dataset if r else None
    return Path(out) if out else stage_dir(run_dir, "distill") / "data"


def _missing(path: Path, why: str) -> InputError:
    return InputError(f"distillation dataset {path}: {why}; run the distill stage first "
                      "(`posttrain stage distill CONFIG`, or `posttrain run CONFIG`)")


def load_distill(path: Path) -> Any:
    """All ``*.parquet`` shards under ``path`` as one datasets.Dataset, checked row by row."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Dataset

    path = Path(path)
    if not path.is_dir():
        raise _missing(path, "folder not found")
    shards = sorted(path.glob("*.parquet"))
    if not shards:
        raise _missing(path, "no *.parquet shards in the folder")
    tables = []
    for shard in shards:
        table = pq.read_table(shard)
        lacking = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
        if lacking:
            raise InputError(f"{shard}: missing column(s) {', '.join(lacking)}; the distill stage writes "
                             f"{', '.join(REQUIRED_COLUMNS)}: regenerate the shard with "
                             "`posttrain stage distill CONFIG`")
        tables.append((shard, table))
    for shard, table in tables:
        _check_rows(shard, table.select(list(REQUIRED_COLUMNS)).to_pylist())
    merged = pa.concat_tables([t for _, t in tables], promote_options="default")
    if merged.num_rows == 0:
        raise _missing(path, "the shards hold no rows (every sample was rejected?)")
    return Dataset(merged)


def _check_rows(shard: Path, rows: list[dict[str, Any]]) -> None:
    for i, row in enumerate(rows):
        msgs = row["messages"] or []
        where = f"{shard} row {i}"
        if not msgs or msgs[-1].get("role") != "assistant" or not (msgs[-1].get("content") or "").strip():
            raise InputError(f"{where}: `messages` must end with a non-empty assistant turn (the distilled answer)")
        if not any(m.get("role") == "user" for m in msgs[:-1]):
            raise InputError(f"{where}: `messages` has no user turn before the assistant answer")
        if row["mode"] not in MODES:
            raise InputError(f"{where}: mode {row['mode']!r} is not one of {', '.join(MODES)}")
        if not row["domain"]:
            raise InputError(f"{where}: empty `domain`")


def _check_weights(field: str, weights: dict[str, float], known: Sequence[str] | None) -> None:
    for key, w in weights.items():
        if w < 0:
            raise ConfigError(f"{field}.{key}", f"weight {w} is negative; use 0 to drop the group or a positive ratio")
        if known is not None and key not in known:
            raise ConfigError(f"{field}.{key}", f"unknown key; use one of {', '.join(known)}")


def mix_indices(domains: Sequence[str], modes: Sequence[str], domain_weights: dict[str, float],
                mode_weights: dict[str, float], seed: int, size: int | None = None) -> list[int]:
    """Row indices of the mixed set (``size`` rows, default the source size), shuffled with ``seed``."""
    import numpy as np

    _check_weights("sft.domain_weights", domain_weights, None)
    _check_weights("sft.mode_weights", mode_weights, MODES)
    absent = sorted(set(domain_weights) - set(domains))
    if absent:
        log.warning("sft.domain_weights names domain(s) with no distilled rows: %s", ", ".join(absent))
    w = np.array([domain_weights.get(d, 1.0) * mode_weights.get(m, 1.0) for d, m in zip(domains, modes)], dtype=float)
    if len(w) == 0 or w.sum() <= 0:
        raise ConfigError("sft.domain_weights", "every distilled row has weight 0 (check sft.domain_weights and "
                                                "sft.mode_weights); give at least one present group a positive weight")
    n = len(w) if size is None else size
    expected = n * w / w.sum()
    copies = np.floor(expected).astype(np.int64)
    rng = np.random.default_rng(seed)
    rest = int(n - copies.sum())
    if rest > 0:
        frac = expected - copies
        copies[rng.choice(len(w), size=rest, replace=False, p=frac / frac.sum())] += 1
    idx = np.repeat(np.arange(len(w)), copies)
    rng.shuffle(idx)
    return idx.tolist()


HELDOUT_MAX_SHARE = 0.2


def _prompt_key(messages: list[dict[str, Any]]) -> str:
    """A row's prompt identity: its last user turn (the system turn differs between modes)."""
    return next((m.get("content") or "" for m in reversed(messages[:-1]) if m.get("role") == "user"), "")


def heldout_split(messages: Sequence[list[dict[str, Any]]], want: int, seed: int) -> tuple[list[int], list[int]]:
    """(train indices, held-out indices): whole prompt groups, drawn with ``seed``, are held out until
    ``want`` rows (capped at a fifth of the rows) are reached; a group that would overshoot is skipped."""
    import numpy as np

    groups: dict[str, list[int]] = {}
    for i, msgs in enumerate(messages):
        groups.setdefault(_prompt_key(list(msgs)), []).append(i)
    cap = min(want, int(len(messages) * HELDOUT_MAX_SHARE))
    held: list[int] = []
    order = list(groups.values())
    for g in np.random.default_rng(seed).permutation(len(order)).tolist():
        if len(held) + len(order[g]) <= cap:
            held += order[g]
    held_set = set(held)
    return [i for i in range(len(messages)) if i not in held_set], sorted(held)


def to_prompt_completion(ds: Any) -> Any:
    """Keep only TRL's conversational prompt/completion columns (role/content of each turn)."""
    def split(row: dict[str, Any]) -> dict[str, Any]:
        msgs = [{"role": m["role"], "content": m["content"]} for m in row["messages"]]
        return {"prompt": msgs[:-1], "completion": msgs[-1:]}

    return ds.map(split, remove_columns=ds.column_names)


def group_counts(ds: Any) -> dict[str, dict[str, int]]:
    """Rows per domain and per mode (the manifest metrics)."""
    return {"rows_by_domain": dict(sorted(Counter(ds["domain"]).items())),
            "rows_by_mode": dict(sorted(Counter(ds["mode"]).items()))}


def read_parquet(path: str | Path) -> Any:
    """A parquet file as an in-memory datasets.Dataset (no cache files outside the run directory)."""
    import pyarrow.parquet as pq
    from datasets import Dataset

    return Dataset(pq.read_table(str(path)))
