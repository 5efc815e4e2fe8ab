"""Text helpers shared by rewards: thinking blocks, final answers, code blocks, math stripping."""
from __future__ import annotations

import re

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
FENCE = re.compile(r"```[a-zA-Z0-9_+-]*\n(.*?)(?:```|\Z)", re.S)
FINAL_LINE = re.compile(r"(?:final answer|the answer is|answer)\s*(?:is)?\s*[:=]?\s*(.+)", re.I)


def split_thinking(text: str) -> tuple[str | None, str, bool]:
    """(thinking or None, answer part, well_formed). Without </think> after <think>, everything
    is thinking and the answer is empty."""
    t = text.lstrip()
    if not t.startswith(THINK_OPEN):
        return None, text, THINK_OPEN not in text and THINK_CLOSE not in text
    body = t[len(THINK_OPEN):]
    if THINK_CLOSE not in body:
        return body, "", False
    thinking, answer = body.split(THINK_CLOSE, 1)
    well = THINK_OPEN not in thinking and THINK_OPEN not in answer and THINK_CLOSE not in answer
    return thinking, answer, well


def answer_part(completion: object) -> str:
    """The part of a completion after its thinking block (the whole text if there is none)."""
    from .base import completion_text

    return split_thinking(completion_text(completion))[1]


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...}, with balanced braces."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    i, depth = start + len("\\boxed{"), 1
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j].strip()
    return None  # unbalanced: truncated


def final_answer(answer_part: str) -> str | None:
    """The explicit final answer: the last \\boxed{} or a final-answer line; None if neither."""
    boxed = last_boxed(answer_part)
    if boxed is not None:
        return boxed
    for line in reversed(answer_part.strip().splitlines()):
        m = FINAL_LINE.search(line)
        if m and m.group(1).strip():
            return m.group(1).strip().rstrip(".")
    return None


def extract_code(text: str) -> str:
    """The longest fenced code block, else the raw text."""
    blocks = FENCE.findall(text)
    return max(blocks, key=len) if blocks else text


MATH_OR_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]|\\boxed\{[^}]*\}", re.S)


def strip_code_and_math(text: str) -> str:
    return MATH_OR_CODE.sub(" ", text)
