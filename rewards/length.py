"""``length_penalty``: DAPO soft overlong punishment plus a group verbosity penalty.

Usage (YAML): ``{name: length_penalty, weight: 0.2, params: {max_len: 512, buffer: 128,
unit: tokens, verbosity_weight: 0.1}}``. Put it *after* the correctness reward in a
domain's list: the router then fills ``row["_correct"]`` from the correctness rewards.

overlong (DAPO): 0 up to ``max_len - buffer``, then linear down to -1 at ``max_len``, and
-1 beyond. verbosity (off unless ``verbosity_weight > 0``): a *correct* response longer
than the shortest correct response of its group (rows with the same ``id``, else the same
prompt text) gets ``-verbosity_weight * (len - shortest) / max(shortest, 1)``, clipped at
-1. Rows whose ``_correct`` is absent or None skip it; wrong ones get 0. Score = sum of both
parts clipped to [-1, 0]; components ``{"overlong", "verbosity"}``.

Length ``unit``: ``tokens`` uses ``completion_tokens`` when the row has it, else estimates
``ceil(chars / 4)``; ``chars`` and ``words`` (whitespace split) count the completion text.
Departure from the papers: DAPO applies only the overlong part; the group verbosity part
is our reading of V3.2's length control, relative to the shortest correct sample.
"""
from __future__ import annotations

import math
from typing import Any

from .base import RewardResult, completion_text, prompt_text, register_reward

UNITS = ("tokens", "chars", "words")


def _number(name: str, value: Any, integer: bool = False) -> float:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise TypeError(f"length_penalty: {name} must be {'an integer' if integer else 'a number'}, got {value!r}")
    return value


def row_length(row: dict[str, Any], unit: str = "tokens") -> int:
    """Length of the row's completion in ``unit``."""
    if unit == "tokens" and isinstance(row.get("completion_tokens"), (int, float)):
        return int(row["completion_tokens"])
    text = completion_text(row.get("completion"))
    if unit == "words":
        return len(text.split())
    return len(text) if unit == "chars" else math.ceil(len(text) / 4)


def _group_key(row: dict[str, Any]) -> tuple[str, str] | None:
    if row.get("id") is not None:
        return "id", str(row["id"])
    text = prompt_text(row.get("prompt"))
    return ("prompt", text) if text else None


@register_reward("length_penalty")
class LengthPenalty:
    """Penalty in [-1, 0] for overlong responses and for verbosity relative to the group."""

    def __init__(self, max_len: int = 512, buffer: int = 128, unit: str = "tokens", verbosity_weight: float = 0.0):
        self.max_len = _number("max_len", max_len, integer=True)
        self.buffer = _number("buffer", buffer, integer=True)
        self.verbosity_weight = float(_number("verbosity_weight", verbosity_weight))
        if self.max_len <= 0:
            raise ValueError(f"length_penalty: max_len must be > 0, got {max_len}")
        if not 0 <= self.buffer <= self.max_len:
            raise ValueError(f"length_penalty: buffer must be in [0, max_len={max_len}], got {buffer}")
        if self.verbosity_weight < 0:
            raise ValueError(f"length_penalty: verbosity_weight must be >= 0, got {verbosity_weight}")
        if unit not in UNITS:
            raise ValueError(f"length_penalty: unit must be one of {', '.join(UNITS)}, got {unit!r}")
        self.unit = unit

    def overlong(self, n: int) -> float:
        start = self.max_len - self.buffer
        if n <= start:
            return 0.0
        if n >= self.max_len:
            return -1.0
        return -(n - start) / self.buffer

    def _shortest_correct(self, rows: list[dict[str, Any]], lengths: list[int]) -> dict[tuple[str, str], int]:
        shortest: dict[tuple[str, str], int] = {}
        for row, n in zip(rows, lengths):
            key = _group_key(row)
            if row.get("_correct") is not None and bool(row["_correct"]) and key is not None:
                shortest[key] = min(n, shortest.get(key, n))
        return shortest

    def _verbosity(self, row: dict[str, Any], n: int, shortest: dict[tuple[str, str], int]) -> float:
        key = _group_key(row)
        correct = row.get("_correct")
        if self.verbosity_weight == 0 or correct is None or not correct or key not in shortest:
            return 0.0
        return max(-1.0, -self.verbosity_weight * (n - shortest[key]) / max(shortest[key], 1))

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        lengths = [row_length(r, self.unit) for r in rows]
        shortest = self._shortest_correct(rows, lengths)
        out = []
        for row, n in zip(rows, lengths):
            over, verb = self.overlong(n), self._verbosity(row, n, shortest)
            info: dict[str, Any] = {"length": n, "unit": self.unit}
            if self.verbosity_weight and row.get("_correct") is None:
                info["verbosity"] = "skipped: correctness unknown"
            out.append(RewardResult(max(-1.0, min(0.0, over + verb)),
                                    components={"overlong": over, "verbosity": verb}, info=info))
        return out
