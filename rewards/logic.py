"""``exact_match``: structured match for short logic/QA answers.

Both sides are normalised (case, whitespace, punctuation, leading articles); booleans
(yes/no/true/false) and numbers compare by value; comma-separated lists compare element by
element (order-insensitive with ``ordered=False``). The prediction is the last ``\\boxed{}``,
a final-answer line, or, failing both, the last non-empty line of the answer part.
"""
from __future__ import annotations

import re
from typing import Any

from .base import RewardResult, register_reward
from .text import answer_part, final_answer

BOOL = {"yes": "true", "true": "true", "no": "false", "false": "false"}


def normalise(text: str) -> str:
    t = re.sub(r"\\text\{([^}]*)\}", r"\1", str(text)).lower().strip()
    t = re.sub(r"[\"'`*]+", "", t).strip(" .!?;:")
    t = re.sub(r"^(the|a|an)\s+", "", t)
    t = re.sub(r"\s+", " ", t).strip()
    if t in BOOL:
        return BOOL[t]
    try:
        return repr(float(t))
    except ValueError:
        return t


def _items(text: str, ordered: bool) -> list[str]:
    parts = [normalise(p) for p in re.split(r",|\band\b", text.strip("[](){}")) if p.strip()]
    return parts if ordered else sorted(parts)


@register_reward("exact_match")
class ExactMatch:
    """1.0 if the final answer equals the gold answer after normalisation, else 0."""

    is_correctness = True

    def __init__(self, ordered: bool = True):
        self.ordered = bool(ordered)

    def _one(self, row: dict[str, Any]) -> RewardResult:
        gold = row.get("answer")
        if gold in (None, ""):
            return RewardResult(None)
        answer = answer_part(row.get("completion"))
        pred = final_answer(answer)
        if pred is None:
            lines = [ln for ln in answer.strip().splitlines() if ln.strip()]
            pred = lines[-1] if lines else None
        if not pred:
            return RewardResult(0.0, "unparseable", info={"reason": "empty answer"})
        ok = normalise(pred) == normalise(gold) or (
            "," in str(gold) and _items(pred, self.ordered) == _items(str(gold), self.ordered))
        return RewardResult(1.0 if ok else 0.0, info={"pred": pred[:200]})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]
