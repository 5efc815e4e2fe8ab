"""``math_correctness``: math-verify equivalence between the gold answer and the prediction.

The prediction is only an *explicit* final answer: the last ``\\boxed{}`` of the answer
part (after ``</think>``), or a final-answer line ("The answer is 5"). A truncated response
that never reached one is ``unparseable`` and scores 0: we never pick up an intermediate
number. Rows without ``answer`` get None. Each verification runs with a time limit.
"""
from __future__ import annotations

import concurrent.futures as cf
import logging
from typing import Any

from .base import RewardResult, register_reward
from .text import answer_part, final_answer

logging.getLogger("math_verify").setLevel(logging.ERROR)  # it warns that we time out ourselves
_POOL = cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="math-verify")


def _verify(gold: str, pred: str) -> bool:
    from math_verify import parse, verify

    g = parse(f"${gold}$", parsing_timeout=None)
    p = parse(f"${pred}$", parsing_timeout=None)
    if not p:
        raise ValueError("unparseable")
    return bool(verify(g, p, timeout_seconds=None))


@register_reward("math_correctness")
class MathCorrectness:
    """1.0 if the final \\boxed{} answer is mathematically equivalent to the gold answer, else 0."""

    is_correctness = True

    def __init__(self, timeout_s: float = 5.0):
        self.timeout_s = float(timeout_s)

    def _one(self, row: dict[str, Any]) -> RewardResult:
        gold = row.get("answer")
        if gold in (None, ""):
            return RewardResult(None)
        answer = answer_part(row.get("completion"))
        pred = final_answer(answer)
        if pred is None:
            return RewardResult(0.0, "unparseable", info={"reason": "no \\boxed{} or final-answer line"})
        try:
            ok = _POOL.submit(_verify, str(gold), pred).result(timeout=self.timeout_s)
        except cf.TimeoutError:
            return RewardResult(0.0, "timeout", info={"pred": pred[:200]})
        except Exception:  # noqa: BLE001 - a weird prediction never crashes scoring
            return RewardResult(0.0, "unparseable", info={"pred": pred[:200]})
        return RewardResult(1.0 if ok else 0.0, info={"pred": pred[:200]})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]
