"""How ``math_correctness`` reads answers: the predicted final answer, the gold, and when a
gold is plain text rather than mathematics. Pure string work; math-verify does the parsing.
``exact_match`` (logic) reads its final answer with the same ``predicted_items`` (without
the prose-head trim) and ``unwrap_math``.

* **Prediction.** The last ``\\boxed{}`` of the answer part, together with the boxes just
  before it that are joined to it only by connectors (``,`` ``;`` ``and`` ``or`` ``\\quad``,
  ``$``), e.g. ``\\boxed{-2} and \\boxed{1}``. Such a run is one multi-answer and is read as
  a set, as math-verify reads ``$1$ and $2$``; boxes separated by prose ("\\boxed{5} at first,
  but the answer is \\boxed{7}") are drafts and only the last counts. A gold of one value
  therefore does not match a hedge such as ``\\boxed{4}, \\boxed{5}``. For a gold with
  several answers (a set), the set of *all* boxes of the answer part is tried as well, so a
  correct multi-answer spread over prose ("\\boxed{(3,3)} for part (a) and \\boxed{(1,1)}")
  is not under-rewarded; a set with an extra or missing value still fails.
  A final-answer line after the last box (or without any box) wins, as in math-verify: the
  text after its last "answer is"/"answer:" and after a prose head ("The volume is 120"),
  cut at its first sentence end outside math ("The answer is \\(5\\). I hope it is
  correct." gives ``\\(5\\)``).
* **Escaped dollars** ``\\$`` are currency signs and are dropped; a lone unpaired ``$`` too.
* **Gold.** Handed to math-verify as written when it has its own math delimiters (so
  "$1$ and $2$ and $3$" stays three spans); otherwise wrapped in one ``$...$``.
* **Text golds.** A gold with a prose word (three or more letters, or "no", with a vowel and
  a lower-case letter, not a LaTeX command, connector or function name) whose letters math-verify turned
  into symbols ("Alice" -> ``E*a*c*i*l``, "seven", ``\\text{Evelyn}`` -> ``evelyn``) is
  compared as normalised text: NFKC, case-folded, LaTeX text wrappers and punctuation
  removed, leading articles dropped, and items split on ``,`` ``;`` ``and`` ``or`` compared
  as a set. An anagram of a name therefore scores 0.
* **Number words.** A gold or a prediction that spells out one number ("forty two", "one
  hundred and five", "minus three", "two thirds", "cuarenta y dos"; :func:`spelled_number`)
  is read as that number before anything else, so ``\\boxed{42}`` matches the gold "forty two"
  and "forty two" matches the gold ``42``; a gold in words that is not a number ("Alice",
  "One Direction") stays a text gold.
"""
from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Any

from .math_number_words import words_to_number
from .text import final_answer_line

_BOX = "\\boxed{"
_TEXT_CMD = re.compile(r"\\(?:text|textbf|textit|textrm|textnormal|mathrm|mathbf|mathit|mbox|operatorname)\s*\{([^{}]*)\}")
_GAP_NOISE = re.compile(r"\\[()\[\]]|\\q?quad\b|\\[,;:! ]|\$|\b(?:and|or)\b|[\s,;&]")
_MATH_SPAN = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")
_ANCHOR = re.compile(r"\b(?:final\s+)?answer\s*(?:is\b|[:：])[\s*_:]*", re.I)
_PROSE_HEAD = re.compile(r"^[A-Za-z][A-Za-z ,'$\\{}]{0,80}?\s(?:is|are|equals)\s+(\S.*)$", re.S)
_DIGIT_GROUP = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")
_ENV = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}")
_MATHY = re.compile(r"[\d$\\]")
_CONNECTOR = re.compile(r"\s*(?:,|;|&|\band\b|\bor\b)\s*", re.I)
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")
# Words that are mathematics, not prose: functions, constants, connectors, set words.
MATH_WORDS = frozenset("""
    and or sin cos tan cot sec csc sinh cosh tanh arcsin arccos arctan log ln lg exp lim sup inf max min
    gcd lcm mod deg det arg dim ker pi infty oo sqrt frac dfrac tfrac cdot times div pm mp le ge leq geq
    neq in cup cap emptyset circ degree degrees if iff for all
""".split())
_SHORT_WORDS = frozenset({"no"})  # two-letter prose answers; other pairs ("ax", "ab") are algebra
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


def _boxes(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, content)`` of each closed ``\\boxed{...}`` (balanced braces), in order."""
    out, i = [], text.find(_BOX)
    while i >= 0:
        depth, j = 1, i + len(_BOX)
        while j < len(text) and depth:
            c = text[j]
            if c == "\\":
                j += 2
                continue
            depth += (c == "{") - (c == "}")
            j += 1
        if depth:
            break  # unclosed: it and everything after it are not answers
        out.append((i, j, text[i + len(_BOX):j - 1].strip()))
        i = text.find(_BOX, j)
    return out


def _connected(gap: str) -> bool:
    """True when the text between two boxes only joins them ("and", ",", ``\\quad``, ``$``)."""
    return not _GAP_NOISE.sub("", _TEXT_CMD.sub(r"\1", gap))


def boxed_run(text: str) -> list[str] | None:
    """Contents of the last box and of the boxes joined to it by connectors; None without a box."""
    boxes = _boxes(text)
    if not boxes:
        return None
    run = [boxes[-1]]
    for prev in reversed(boxes[:-1]):
        if not _connected(text[prev[1]:run[0][0]]):
            break
        run.insert(0, prev)
    return [c for _, _, c in run]


def all_boxed(text: str) -> list[str]:
    """Contents of every closed box, in order (the candidate set for a multi-answer gold)."""
    return [_box_item(c) for _, _, c in _boxes(text)]


def _box_item(content: str) -> str:
    """Box content is mathematics: a ``$`` inside it is a stray delimiter (or currency)."""
    return _undollar(content).replace("$", " ").strip()


def _trim_sentence(ans: str, prose_head: bool = True) -> str:
    """The answer in a final-answer line: after its last "answer is"/"answer:" anchor, after a
    prose head ("The volume of $V$ is 120" -> "120"; only when ``prose_head``), and cut at
    its first sentence end outside math ("\\(5\\). I hope it is correct." -> "\\(5\\)")."""
    anchors = list(_ANCHOR.finditer(ans))
    if anchors:
        ans = ans[anchors[-1].end():].strip()
    masked = _MATH_SPAN.sub(lambda m: "\0" * len(m.group()), ans)
    m = _SENTENCE_END.search(masked)
    ans = ans[:m.start()].strip() if m else ans
    head = _PROSE_HEAD.match(ans) if prose_head else None
    return head.group(1).strip() if head else ans


def predicted_items(answer: str, prose_head: bool = True) -> list[str] | None:
    """The explicit final answer of an answer part as a list of items (one unless several
    connected boxes), or None when there is none: a final-answer line with a digit or LaTeX
    written after the last box, else the last box run, else a final-answer line. Empty boxes
    count as no answer. ``prose_head=False`` keeps a line's "X is Y" whole (``exact_match``:
    a logic answer may itself be a sentence); math drops the head ("The sum is 5" -> "5").
    Shared by ``math_correctness`` and ``exact_match``."""
    boxes = _boxes(answer)
    line = final_answer_line(answer[boxes[-1][1]:] if boxes else answer)
    line = None if line is None else _trim_sentence(line, prose_head)
    if line and (not boxes or _MATHY.search(line)):  # after a box, only a line that holds math
        return [line]  # ("... \\boxed{5}. I hope the answer is correct." keeps the box)
    run = boxed_run(answer)
    if run is None:
        return None
    run = [_box_item(c) for c in run]
    return run if any(run) else None


def _undollar(s: str) -> str:
    """Drop escaped dollars (currency), a lone unpaired ``$``, and spaces between digit groups."""
    s = _DIGIT_GROUP.sub("", s.replace("\\$", " ")).strip()
    return s.replace("$", " ").strip() if (s.count("$") - 2 * s.count("$$")) % 2 else s


_OUTER_MATH = re.compile(r"^\s*(?:\$\$(.*)\$\$|\$(.*)\$|\\\((.*)\\\)|\\\[(.*)\\\])\s*$", re.S)


def unwrap_math(s: str) -> str:
    """``s`` without escaped dollars and without one pair of math delimiters around all of it
    (``$5$``, ``\\(Bob\\)``, ``\\[x\\]``, ``$$7$$``): how a text comparison reads an answer."""
    s = _undollar(s)
    m = _OUTER_MATH.match(s)
    inner = next((g for g in m.groups() if g is not None), None) if m else None
    return s if inner is None or "$" in inner else inner.strip()


def latex_of(items: list[str]) -> str:
    """A prediction's items as one string for ``math_verify.parse`` (several items: one set)."""
    items = [_undollar(i).rstrip(" .;。") for i in items]
    if len(items) > 1:
        return "$" + ", ".join(i.replace("$", " ").strip() for i in items) + "$"
    return gold_latex(items[0])


def gold_text(gold: Any) -> str:
    """A gold answer from a row (string, number or JSON list of items) as a string."""
    if isinstance(gold, (list, tuple, set)):
        return ", ".join(str(v) for v in gold)
    return str(gold)


def gold_latex(gold: str) -> str:
    """A gold as math-verify input: its own ``$``/``\\(``/``\\[`` spans kept, else one ``$...$``."""
    s = _undollar(gold).rstrip(" .,;。")
    return s if ("$" in s or "\\(" in s or "\\[" in s or _BOX in s) else f"${s}$"


def prose_words(s: str) -> set[str]:
    """Words of three or more letters (or "no") with a lower-case letter and a vowel (not
    ``y``: ``xy`` is algebra) that are not LaTeX commands (``\\frac``) or mathematical names
    (``sin``, ``and``, ``pi``)."""
    s = _TEXT_CMD.sub(r" \1 ", _ENV.sub(" ", s))
    words = {w for w in _WORD.findall(s) if w.lower() not in MATH_WORDS}
    return {w for w in words if (len(w) >= 3 or w.lower() in _SHORT_WORDS)
            and re.search(r"[a-z]", w) and re.search(r"[aeiouAEIOU]", w)}


def is_text_gold(gold: str, parsed: list[Any]) -> bool:
    """True when ``gold`` is prose: math-verify found nothing, or turned its words' letters into
    symbols. ``parsed`` is what math-verify returned for the gold, its sympy objects only."""
    words = prose_words(gold)
    if not words:
        return False
    if not parsed:
        return True
    letters = {c for w in words for c in w.lower()}
    names = {re.sub(r"[^a-z]", "", str(sym).lower()) for obj in parsed for sym in getattr(obj, "free_symbols", ())}
    names.discard("")
    return any(len(n) > 1 and set(n) <= letters for n in names) or len({n for n in names if n in letters}) >= 2


def text_items(items: list[str]) -> frozenset[str]:
    """Normalised text items: NFKC, case-folded, text wrappers, LaTeX commands and punctuation
    removed, split on connectors, leading articles dropped."""
    out = set()
    for item in items:
        s = unicodedata.normalize("NFKC", _undollar(item))
        while _TEXT_CMD.search(s):
            s = _TEXT_CMD.sub(r" \1 ", s)
        s = re.sub(r"\\[A-Za-z]+", " ", s)
        for part in _CONNECTOR.split(s):
            part = " ".join(re.sub(r"[^\w]+", " ", part.casefold()).split())
            part = _ARTICLE.sub("", part)
            if part:
                out.add(part)
    return frozenset(out)


def well_formed(gold: str) -> bool:
    """A gold math-verify could not parse is still compared (as a string) when it is not
    empty and its braces balance; otherwise (``\\frac{``, ``$$``) it is an error."""
    depth, i = 0, 0
    while i < len(gold):
        if gold[i] == "\\":
            i += 2
            continue
        depth += (gold[i] == "{") - (gold[i] == "}")
        if depth < 0:
            return False
        i += 1
    return depth == 0 and bool(_undollar(gold).replace("$", "").strip())


def gold_items(gold: str) -> list[str]:
    """A text gold's items: its boxed run or final-answer line when it has one, else all of it."""
    return predicted_items(gold) or [gold]


def spelled_number(items: list[str]) -> Fraction | None:
    """The number a one-item answer spells out in words ("forty two", ``\\text{minus three}``),
    else None (rewards/math_number_words.py says which words and languages)."""
    if len(items) != 1:
        return None
    return words_to_number(unwrap_math(_TEXT_CMD.sub(r"\1", items[0])))
