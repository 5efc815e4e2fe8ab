"""``format``: thinking-tag well-formedness, optionally also a ``\\boxed{}`` answer.

Usage (YAML): ``{name: format, weight: 0.1, params: {require_boxed: true}}``.

Thinking mode (row ``mode == "thinking"``): exactly one ``<think>`` at the start (after
optional whitespace), exactly one ``</think>``, non-empty reasoning between them and a
non-empty answer after. Non-thinking mode (``mode == "non_thinking"``): no think tags at
all. Rows without ``mode`` use ``default_mode``; ``auto`` applies the thinking rules when
the response contains any think tag, else the non-thinking ones. ``require_boxed`` also
requires a ``\\boxed{}`` in the answer part (a shaping reward for math). Score 1.0 or 0.0;
``info["reason"]`` says what failed. Departure from the paper: DeepSeek-R1 used a format
reward in its first RL stage; V3.2 does not describe one, it is optional shaping here.
"""
from __future__ import annotations

from typing import Any

from .base import RewardResult, completion_text, register_reward
from .text import THINK_CLOSE, THINK_OPEN, last_boxed, split_thinking

MODES = ("auto", "thinking", "non_thinking")


def _thinking_problem(text: str) -> str | None:
    """Why ``text`` is not one ``<think>reasoning</think>answer`` block, or None."""
    if not text.lstrip().startswith(THINK_OPEN):
        return "response does not start with <think>"
    if THINK_CLOSE not in text:
        return "unclosed <think>"
    if text.count(THINK_OPEN) != 1 or text.count(THINK_CLOSE) != 1:
        return "more than one <think> or </think>"
    thinking, answer, _ = split_thinking(text)
    if not (thinking or "").strip():
        return "empty thinking"
    if not answer.strip():
        return "empty answer after </think>"
    return None


@register_reward("format")
class Format:
    """1.0 if the response has the expected thinking/answer shape, else 0."""

    def __init__(self, require_boxed: bool = False, default_mode: str = "auto"):
        if not isinstance(require_boxed, bool):
            raise TypeError(f"format: require_boxed must be true or false, got {require_boxed!r}")
        if default_mode not in MODES:
            raise ValueError(f"format: default_mode must be one of {', '.join(MODES)}, got {default_mode!r}")
        self.require_boxed, self.default_mode = require_boxed, default_mode

    def _one(self, row: dict[str, Any]) -> RewardResult:
        text = completion_text(row.get("completion"))
        has_tags = THINK_OPEN in text or THINK_CLOSE in text
        mode = row.get("mode") or self.default_mode
        if mode == "auto":
            mode = "thinking" if has_tags else "non_thinking"
        if mode == "thinking":
            problem = _thinking_problem(text)
        elif mode == "non_thinking":
            problem = "think tags in non-thinking mode" if has_tags else None
        else:
            return RewardResult(None, "error", info={"reason": f"unknown mode {mode!r}; expected thinking or non_thinking"})
        if problem is None and self.require_boxed and last_boxed(split_thinking(text)[1]) is None:
            problem = "no \\boxed{} in the answer"
        return RewardResult(0.0 if problem else 1.0, info={"mode": mode, **({"reason": problem} if problem else {})})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]
