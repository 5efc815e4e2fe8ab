"""Text helpers shared by the rule-based rewards: thinking blocks, explicit final answers,
code blocks, and stripping code and math before counting words.

Thinking mode writes ``<think>chain of thought</think>final answer``. Everything that
scores an *answer* (math, logic, code) looks only after ``</think>``; an unclosed
``<think>`` means the response never reached its answer.
"""
from __future__ import annotations

import re

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"

_FENCE = re.compile(r"(```|~~~)[^\n]*\n(.*?)(?:\1|\Z)", re.S)
# "Answer: x", "**Final answer:** x", "> answer: x" at the start of a line.
_ANSWER_LINE = re.compile(r"^[\s>#*_-]*(?:final\s+answer|answer)\b[\s*_]*[:：][\s*_]*(.+)$", re.I)
# "... the (final) answer is x" anywhere in a line; "答案是 x" / "最终答案：x".
_ANSWER_IS = re.compile(r"\b(?:final\s+)?answer\s+is\b[\s*_:：]*(.+)$|答案\s*[:：是为為]\s*(.+)$", re.I)
_CODE_MATH = re.compile(
    r"(```|~~~).*?(?:\1|\Z)"              # fenced code (an unterminated fence runs to the end)
    r"|`[^`\n]*`"                          # inline code
    r"|\$\$.*?(?:\$\$|\Z)|\$[^$\n]*\$"     # $$display$$ and $inline$ math
    r"|\\\(.*?(?:\\\)|\Z)|\\\[.*?(?:\\\]|\Z)"  # \( \) and \[ \]
    r"|\\begin\{(?P<env>[a-zA-Z]+\*?)\}.*?(?:\\end\{(?P=env)\}|\Z)",  # \begin{align} ... \end{align}
    re.S)
_LATEX_CMD = re.compile(r"\\[a-zA-Z]+")


def split_thinking(text: str) -> tuple[str | None, str, bool]:
    """Split a response into ``(thinking or None, answer, well_formed)``.

    well_formed: the think tags, if any, are exactly one ``<think>`` at the start (after
    whitespace) and one ``</think>``; a response with no tags at all is well formed.
    The answer is what follows the last ``</think>``. Without ``</think>`` after a
    ``<think>`` everything after the open tag is thinking and the answer is ``""``. A
    ``</think>`` with no ``<think>`` (the open tag was in the prompt) still splits.
    """
    text = text or ""
    n_open, n_close = text.count(THINK_OPEN), text.count(THINK_CLOSE)
    if n_open == 0 and n_close == 0:
        return None, text, True
    well = n_open == 1 and n_close == 1 and text.lstrip().startswith(THINK_OPEN)
    if n_close == 0:
        return text.split(THINK_OPEN, 1)[1], "", False
    head, _, answer = text.rpartition(THINK_CLOSE)
    thinking = head.split(THINK_OPEN, 1)[1] if THINK_OPEN in head else head
    return thinking, answer, well


def answer_part(completion: object) -> str:
    """The part of a completion after its thinking block (the whole text if there is none)."""
    from .base import completion_text

    return split_thinking(completion_text(completion))[1]


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (balanced braces); None if absent or unclosed."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    end = _matching_brace(text, start + len("\\boxed{"))
    return None if end is None else text[start + len("\\boxed{"):end].strip()


def _matching_brace(text: str, i: int) -> int | None:
    """Index of the ``}`` closing the group whose content starts at ``i``."""
    depth = 1
    for j in range(i, len(text)):
        c = text[j]
        if c == "\\":  # skip escaped characters like \{ \}
            continue
        if c == "{" and text[j - 1] != "\\":
            depth += 1
        elif c == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return j
    return None


def final_answer_line(text: str) -> str | None:
    """The last explicit final-answer line ("Answer: x", "The answer is x."), or None."""
    for line in reversed(text.strip().splitlines()):
        m = _ANSWER_LINE.match(line) or _ANSWER_IS.search(line)
        if m:
            ans = next(g for g in m.groups() if g is not None).strip().strip("*_ ")
            ans = re.sub(r"(?<!\d)\.$|[.。]$", "", ans).strip()  # sentence period, not a decimal point
            if ans:
                return ans
    return None


def final_answer(text: str) -> str | None:
    """The explicit final answer: the last ``\\boxed{}``, else a final-answer line, else None.
    Never a bare number from the middle of the text."""
    boxed = last_boxed(text)
    return boxed if boxed is not None else final_answer_line(text)


def extract_code_blocks(text: str) -> list[str]:
    """Contents of the fenced (``` or ~~~) code blocks, in order; an unclosed last fence
    runs to the end of the text."""
    return [m.group(2) for m in _FENCE.finditer(text or "")]


def extract_code(text: str) -> str:
    """The longest fenced code block, else the raw text."""
    blocks = extract_code_blocks(text)
    return max(blocks, key=len) if blocks else text


def _strip_boxed(text: str) -> str:
    while (start := text.find("\\boxed{")) >= 0:
        end = _matching_brace(text, start + len("\\boxed{"))
        text = text[:start] + " " + ("" if end is None else text[end + 1:])
    return text


def strip_code_and_math(text: str) -> str:
    """Remove fenced/inline code, ``$..$``, ``$$..$$``, ``\\(..\\)``, ``\\[..\\]``, LaTeX
    environments, ``\\boxed{..}`` and leftover LaTeX command names, so only prose remains."""
    text = _CODE_MATH.sub(" ", text or "")
    return _LATEX_CMD.sub(" ", _strip_boxed(text))
