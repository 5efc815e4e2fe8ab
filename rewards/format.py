"""``format``: thinking-tag well-formedness (and optionally a \\boxed{} answer).

Thinking mode (row ``mode`` == "thinking", or a completion that opens with <think>): exactly
one ``<think>...</think>`` at the start with non-empty reasoning and a non-empty answer after
it. Non-thinking mode: no think tags at all. ``require_boxed`` also requires a \\boxed{}
in the answer, a shaping reward for math and logic.
"""
from __future__ import annotations

from typing import Any

from .base import RewardResult, completion_text, register_reward
from .text import THINK_OPEN, last_boxed, split_thinking


@register_reward("format")
class Format:
    """1.0 if the response has the expected thinking/answer shape, else 0."""

    def __init__(self, require_boxed: bool = False):
        self.require_boxed = bool(require_boxed)

    def _one(self, row: dict[str, Any]) -> RewardResult:
        text = completion_text(row.get("completion"))
        thinking_mode = row.get("mode") == "thinking" or text.lstrip().startswith(THINK_OPEN)
        thinking, answer, well = split_thinking(text)
        if thinking_mode and not (well and thinking is not None and thinking.strip() and answer.strip()):
            return RewardResult(0.0, info={"reason": "malformed or empty <think> block / answer"})
        if not thinking_mode and not well:
            return RewardResult(0.0, info={"reason": "think tags in non-thinking mode"})
        if self.require_boxed and last_boxed(answer) is None:
            return RewardResult(0.0, info={"reason": "no \\boxed{} answer"})
        return RewardResult(1.0)

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]
