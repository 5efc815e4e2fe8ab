"""The row schema every domain dataset produces, and the helpers the built-in builders share.

A row is one dict with exactly the keys of ``ROW_KEYS`` (DESIGN.md contract):

    id           str   stable, unique across domains and splits ("math-train-00042")
    domain       str   canonical domain name
    prompt       str   the plain user question (the expert's template and the chat/thinking
                       wrapping are applied later by the pipeline)
    answer       str | None   gold answer (math, logic, search; reference code for code)
    tests        str | None   Python asserts (code)
    entry_point  str | None   function under test (code)
    language     str | None   ISO 639-1 code; "en" for the built-ins, None = detect
    rubric       list[{criterion: str, weight: float}] | None   (writing)

Keys that do not apply are None, never absent, and ``row_features()`` gives every column a
fixed Arrow type, so datasets of different domains concatenate and interleave.

Held-out splits: a generated prompt belongs to eval iff a hash of its text says so
(``in_eval_split``). The split is a pure function of the prompt text, so train and eval
never share a prompt, for any seed and across domains that share a generator (code and
agentic_code). The seed only picks which prompts of a split are drawn, and their order.
"""
from __future__ import annotations

import hashlib
import random
from typing import Any, Callable

ROW_KEYS = ("id", "domain", "prompt", "answer", "tests", "entry_point", "language", "rubric")
STR_KEYS = ("id", "domain", "prompt")
OPTIONAL_STR_KEYS = ("answer", "tests", "entry_point", "language")
SPLITS = ("train", "eval")
EVAL_FRACTION = 0.2

Row = dict[str, Any]


class DataSourceError(ValueError):
    """Data that cannot be used; the message names the file or dataset, the row or column, and the fix."""

Draw = Callable[[random.Random], tuple[str, dict[str, Any]]]  # rng -> (prompt, other fields)


def row_features() -> Any:
    """The ``datasets.Features`` of a row (imported lazily: ``datasets`` is heavy)."""
    from datasets import Features, List, Value

    text = Value("string")
    return Features({**{k: text for k in STR_KEYS + OPTIONAL_STR_KEYS},
                     "rubric": List({"criterion": text, "weight": Value("float64")})})


def check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    return split


def make_row(domain: str, split: str, idx: int | str, prompt: str, **fields: Any) -> Row:
    """A row with every key; ``idx`` (an int or a stable source id) makes the id unique."""
    suffix = f"{idx:05d}" if isinstance(idx, int) else str(idx)
    row: Row = {k: None for k in ROW_KEYS}
    row.update(id=f"{domain}-{split}-{suffix}", domain=domain, prompt=prompt, language="en")
    unknown = set(fields) - set(ROW_KEYS)
    if unknown:
        raise KeyError(f"unknown row keys {sorted(unknown)}; a row has exactly {', '.join(ROW_KEYS)}")
    row.update(fields)
    return row


def in_eval_split(text: str, eval_fraction: float = EVAL_FRACTION) -> bool:
    """Whether ``text`` is held out for eval: a pure, seed-independent function of the text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") < eval_fraction * 2**32


def unique_rows(domain: str, split: str, n: int, seed: int, draw: Draw, tries_per_row: int = 200) -> list[Row]:
    """Up to ``n`` rows of ``split`` with distinct prompts, drawn with ``draw(rng)``.

    Deterministic for (split, seed). Stops early (fewer rows) when the generator's pool for
    this split runs dry, which only happens for very large ``n``.
    """
    check_split(split)
    rng = random.Random(f"{domain}:{split}:{seed}")
    seen: set[str] = set()
    rows: list[Row] = []
    for _ in range(max(n, 1) * tries_per_row):
        if len(rows) >= n:
            break
        prompt, fields = draw(rng)
        if prompt in seen or in_eval_split(prompt) != (split == "eval"):
            continue
        seen.add(prompt)
        rows.append(make_row(domain, split, len(rows), prompt, **fields))
    return rows


Difficulty = str | int | list[int] | None


def level_table(difficulty: Difficulty, levels: tuple[int, ...], named: dict[str, dict[int, float]]) -> dict[int, float]:
    """The level weights a ``difficulty`` asks for: a name of ``named`` (e.g. easy / medium / hard /
    mixed), one level number, or a list of level numbers (equal weights). ``ValueError`` names the
    options otherwise."""
    if isinstance(difficulty, str) and difficulty in named:
        return dict(named[difficulty])
    picked = [difficulty] if isinstance(difficulty, int) and not isinstance(difficulty, bool) else difficulty
    if isinstance(picked, list) and picked and all(isinstance(v, int) and not isinstance(v, bool) and v in levels
                                                   for v in picked):
        return dict.fromkeys(picked, 1.0)
    raise ValueError(f"unknown difficulty {difficulty!r}; use one of {', '.join(named)}, "
                     f"a level in {list(levels)} or a list of levels")


def weighted_choice(rng: random.Random, table: dict[Any, float]) -> Any:
    """One key of ``table`` drawn with probability proportional to its value."""
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys], k=1)[0]


def validate_row(row: Row, where: str) -> Row:
    """Check a row's keys and types; raise ``ValueError`` naming ``where`` and the key."""
    if set(row) != set(ROW_KEYS):
        raise ValueError(f"{where}: row keys {sorted(row)} differ from {list(ROW_KEYS)}")
    for k in STR_KEYS:
        if not isinstance(row[k], str) or not row[k].strip():
            raise ValueError(f"{where}: {k!r} must be a non-empty string, got {row[k]!r}")
    for k in OPTIONAL_STR_KEYS:
        if row[k] is not None and not isinstance(row[k], str):
            raise ValueError(f"{where}: {k!r} must be a string or None, got {type(row[k]).__name__}")
    rubric = row["rubric"]
    if rubric is not None and not (isinstance(rubric, list) and all(
            isinstance(c, dict) and set(c) == {"criterion", "weight"} and isinstance(c["criterion"], str)
            and isinstance(c["weight"], float) for c in rubric)):
        raise ValueError(f"{where}: 'rubric' must be a list of {{criterion: str, weight: float}} or None")
    return row


def split_pool(items: list[Any], split: str, seed: int, text: Callable[[Any], str]) -> list[Any]:
    """The items of ``split`` (by ``in_eval_split(text(item))``), shuffled deterministically by seed."""
    check_split(split)
    pool = [it for it in items if in_eval_split(text(it)) == (split == "eval")]
    random.Random(f"{split}:{seed}").shuffle(pool)
    return pool
