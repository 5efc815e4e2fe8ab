"""``length_penalty``: DAPO soft overlong punishment plus V3.2-style group verbosity penalty.

overlong: 0 up to ``max_len - buffer`` tokens, then linear down to -1 at ``max_len``
(and -1 beyond). verbosity (off unless ``verbosity_weight`` > 0): a *correct* response
longer than the shortest correct response of its group (same ``id``) gets
``-verbosity_weight * (len - shortest) / shortest``. Correctness comes from ``row["_correct"]``,
which the router fills from the domain's correctness reward. Score = sum, clipped to [-1, 0].
Lengths use ``completion_tokens`` when present, else ~4 characters per token.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .base import RewardResult, completion_text, register_reward


def _length(row: dict[str, Any]) -> int:
    n = row.get("completion_tokens")
    return int(n) if n is not None else max(1, len(completion_text(row.get("completion"))) // 4)


@register_reward("length_penalty")
class LengthPenalty:
    """Penalty in [-1, 0] for overlong responses and for verbosity relative to the group."""

    def __init__(self, max_len: int = 512, buffer: int = 128, verbosity_weight: float = 0.0):
        if max_len <= 0 or not 0 <= buffer <= max_len:
            raise ValueError("length_penalty: need max_len > 0 and 0 <= buffer <= max_len")
        self.max_len, self.buffer, self.verbosity_weight = int(max_len), int(buffer), float(verbosity_weight)

    def overlong(self, n: int) -> float:
        start = self.max_len - self.buffer
        if n <= start:
            return 0.0
        if n >= self.max_len or self.buffer == 0:
            return -1.0
        return -(n - start) / self.buffer

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        lengths = [_length(r) for r in rows]
        shortest: dict[str, int] = defaultdict(lambda: 10**9)
        for r, n in zip(rows, lengths):
            if r.get("_correct"):
                key = str(r.get("id") or r.get("prompt"))
                shortest[key] = min(shortest[key], n)
        out = []
        for r, n in zip(rows, lengths):
            over = self.overlong(n)
            verb = 0.0
            key = str(r.get("id") or r.get("prompt"))
            if self.verbosity_weight > 0 and r.get("_correct") and key in shortest:
                verb = -min(1.0, self.verbosity_weight * (n - shortest[key]) / max(shortest[key], 1))
            out.append(RewardResult(max(-1.0, over + verb), components={"overlong": over, "verbosity": verb},
                                    info={"length": n}))
        return out
