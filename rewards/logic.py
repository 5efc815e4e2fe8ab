"""``exact_match``: structured match for short logic / QA answers.

Usage (YAML): ``{name: exact_match, weight: 1.0, params: {ordered: false}}``.

Prediction: the explicit final answer of the answer part (after ``</think>``), read by the
same extraction as ``math_correctness`` (``rewards/math_answers.predicted_items``): the last
``\\boxed{}`` (nested braces balanced; boxes joined only by "and"/","/``\\quad`` are one
list answer), unless a final-answer line holding a digit or LaTeX follows it; without a box,
the last final-answer line ("Answer: Bob", "The answer is \\(5\\). I hope it is correct." ->
``\\(5\\)``: cut at its first sentence end outside math). Unlike math, a line's "X is Y" is
kept whole. Else the last non-empty line. A truncated response (``finish_reason ==
"length"``) or an unclosed ``<think>`` only counts with an explicit boxed/answer line;
otherwise it is ``unparseable`` (score 0), as is an answer whose only boxes are empty.

Both sides are normalised: escaped dollars (``\\$5``) dropped, one pair of math delimiters
around the whole answer (``$..$``, ``\\(..\\)``, ``\\[..\\]``) removed, ``\\text{}``-style
wrappers (nested too) and markdown unwrapped, lower case, punctuation and
leading articles (the/a/an) dropped, whitespace collapsed. Booleans compare by value
(yes/true, no/false), numbers by value (``14`` = ``14.0``, ``1,400`` = ``1400``).
A gold that is a list (JSON list, or text with ``,``/``;``/"and" between items) also
matches item by item; ``ordered=False`` ignores the order. Rows without ``answer`` get None.
Departure from the paper: V3.2 does not publish its logic checker; this is a plain
normalised match, not a solver.
"""
from __future__ import annotations

import re
from typing import Any

from .base import RewardResult, completion_text, register_reward
from .math_answers import all_boxed, predicted_items, unwrap_math
from .text import split_thinking

_BOOL = {"yes": "true", "true": "true", "no": "false", "false": "false"}
_WRAPPER = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_ITEM_SEP = re.compile(r"\s*(?:[,;]|\band\b|&)\s*", re.I)


def normalise(text: Any) -> str:
    """Canonical form of one scalar answer (string, boolean or number)."""
    if isinstance(text, bool):
        return "true" if text else "false"
    t = _unwrap(text).strip("$").strip()
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    try:
        return repr(float(t))
    except ValueError:
        pass
    t = re.sub(r"[^\w\s.+-]|(?<!\d)\.|\.(?!\d)", " ", t.lower())  # punctuation, keeping 3.5 and -2
    t = re.sub(r"^(?:[-+*]\s+)?(?:the|a|an)\s+|^[-+*]\s+", "", " ".join(t.split()))
    return _BOOL.get(t, t)


def _unwrap(text: Any) -> str:
    """``text`` without escaped dollars, outer math delimiters and (nested) ``\\text{}`` wrappers."""
    t = unwrap_math(str(text))
    while _WRAPPER.search(t):
        t = _WRAPPER.sub(r"\1", t)
    t = t.strip()
    while t.startswith("{") and _closing_brace(t) == len(t) - 1:  # a bare group: {14} -> 14
        t = t[1:-1].strip()
    return t


def _closing_brace(t: str) -> int | None:
    """Index of the ``}`` that closes the ``{`` at ``t[0]`` (escaped braces skipped)."""
    depth, i = 0, 0
    while i < len(t):
        if t[i] == "\\":
            i += 2
            continue
        depth += (t[i] == "{") - (t[i] == "}")
        if depth == 0:
            return i
        i += 1
    return None


def _items(value: Any, ordered: bool) -> list[str]:
    if isinstance(value, (list, tuple)):
        parts = [normalise(v) for v in value]
    else:
        text = _unwrap(value).strip("$").strip("[](){}\\ ")
        parts = [normalise(p) for p in _ITEM_SEP.split(text) if p.strip()]
    parts = [p for p in parts if p]
    return parts if ordered else sorted(parts)


@register_reward("exact_match")
class ExactMatch:
    """1.0 if the final answer equals the gold answer after normalisation, else 0."""

    is_correctness = True

    def __init__(self, ordered: bool = True):
        if not isinstance(ordered, bool):
            raise TypeError(f"exact_match: ordered must be true or false, got {ordered!r}")
        self.ordered = ordered

    def _prediction(self, row: dict[str, Any]) -> tuple[str | None, str]:
        thinking, answer, _ = split_thinking(completion_text(row.get("completion")))
        items = predicted_items(answer, prose_head=False)
        if items is not None:
            return ", ".join(items), ""
        if all_boxed(answer):
            return None, "only empty \\boxed{}"
        if thinking is not None and not answer.strip():
            return None, "unclosed <think>: no answer part"
        if row.get("finish_reason") == "length":
            return None, "truncated with no \\boxed{} or answer line"
        lines = [ln.strip() for ln in answer.strip().splitlines() if ln.strip()]
        return (lines[-1], "") if lines else (None, "empty answer")

    def _one(self, row: dict[str, Any]) -> RewardResult:
        gold = row.get("answer")
        if gold is None or (isinstance(gold, str) and not gold.strip()):
            return RewardResult(None, info={"reason": "row has no answer"})
        pred, why = self._prediction(row)
        if pred is None or not normalise(pred):
            return RewardResult(0.0, "unparseable", info={"reason": why or "empty answer"})
        gold_items = _items(gold, self.ordered)
        ok = normalise(pred) == normalise(gold) if not isinstance(gold, (list, tuple)) else False
        if not ok and len(gold_items) > 1:
            ok = _items(pred, self.ordered) == gold_items
        return RewardResult(1.0 if ok else 0.0, info={"pred": pred[:200], "normalised": normalise(pred)[:200]})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]
