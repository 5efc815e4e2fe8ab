"""``math_correctness``: math-verify equivalence between the gold answer and the prediction.

Usage (YAML): ``{name: math_correctness, weight: 1.0, params: {timeout_s: 5}}``.

The prediction is only an *explicit* final answer in the answer part (after ``</think>``):
a final-answer line ("Answer: x", "The answer is x", "Final answer: x") written after the
last ``\\boxed{}``, else the last box. A response with neither, such as one truncated
mid-thought (``finish_reason == "length"``) or one whose ``<think>`` never closed, is
``unparseable`` and scores 0. We never pick up an intermediate number. Gold and prediction go
through ``math_verify.parse``/``verify``. Equivalent forms match: ``\\frac{1}{2}`` and 0.5,
``x=3`` and 3, ``\\{2,1\\}`` and ``\\{1,2\\}``, ``x(x+2)`` and ``x^2+2x``, equal intervals.
A gold given as a JSON list is read as a set. How answers are read is in
:mod:`rewards.math_answers`; in short:

* ``\\$`` is a currency sign ("The answer is \\$5." is 5); a gold written as several spans
  ("$1$ and $2$ and $3$") is one set; "The answer is \\(5\\). I hope it is correct." is 5.
* **Several boxes.** Boxes joined only by connectors (``\\boxed{-2} and \\boxed{1}``) are one
  answer set, as in math-verify; otherwise the last box is the answer and earlier ones are
  drafts. For a gold that is a set of several values, the set of all boxes of the answer
  part is tried too, so a correct multi-answer split by prose ("... for part (a) and ...")
  scores 1; an extra or a missing value scores 0, and so does a hedge over several values
  for a one-value gold. ``info["boxes"]`` counts the boxes when there are several.
* **Number words** ("forty two", "one hundred and five", "minus three", "two thirds"; English,
  and cardinals in Spanish, French and German: rewards/math_number_words.py) are read as
  numbers on both sides: ``\\boxed{42}`` against the gold "forty two" scores 1, ``\\boxed{41}``
  0, and "forty two" against the gold ``42`` scores 1 (``info["compared"]`` is
  ``number words`` when the gold is in words).
* **Text golds** (a name) are compared as normalised text, never as a
  product of letter symbols, so an anagram of "Alice" scores 0 (``info["compared"]`` is
  ``text``). A gold that is neither mathematics nor text (``\\frac{``, ``$$``) is status
  ``error`` with score None and a reason naming the row id; a well-formed gold that sympy
  cannot parse is compared as a string (``compared: string``: only an identical answer scores).
* A completion given as chat messages without a ``role`` is read as the model's text
  (:func:`rewards.base.completion_text`); a malformed message is an ``error`` naming the row.

Time limit: each parse+verify is bounded by ``timeout_s`` (status ``timeout``, score 0).
In the main thread a SIGALRM timer interrupts it (math-verify's own signal timeouts are
turned off: they clobber outer timers and fail outside the main thread). A thread cannot
be interrupted, and sympy's big-integer arithmetic (``9^{9^{9^9}}``) holds the GIL, so
calls from other threads go to a child interpreter (``python -m rewards.math``) that
applies the same timer and is killed if it stops answering.

Agreement with upstream tables (tests/unit/rewards/test_rewards_math_tables.py): Math-Verify's own
test cases 0.937 (bare predictions given as "Final answer: ..."), TRL's accuracy-reward cases
0.81 (its misses: golds in words, which TRL skips and we read as numbers).

Departures from the paper: none in spirit (rule-based accuracy reward); rows without an
``answer`` get None.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from fractions import Fraction
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Iterator

from . import math_answers as answers
from .base import RewardResult, completion_text, register_reward
from .math_number_words import number_latex
from .text import split_thinking

logging.getLogger("math_verify").setLevel(logging.ERROR)  # it warns that we time out ourselves
_GRACE_S = 30.0  # worker start-up (imports sympy) + slack before we kill it


class _Timeout(BaseException):
    """Raised by our SIGALRM handler; a BaseException so library ``except Exception`` misses it."""


@contextmanager
def _alarm(seconds: float) -> Iterator[list[bool]]:
    """Raise ``_Timeout`` after ``seconds`` (main thread only). An outer ITIMER_REAL (e.g.
    pytest-timeout) is restored afterwards with its remaining time."""
    fired: list[bool] = []

    def handler(signum: int, frame: Any) -> None:
        fired.append(True)
        raise _Timeout()

    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))  # 0 would disarm it
    start = time.monotonic()
    try:
        yield fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if old_handler is None else old_handler)
        if old_delay:
            left = max(old_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def _is_multi(parsed: list[Any]) -> bool:
    from sympy import FiniteSet

    return any(isinstance(x, FiniteSet) and len(x) > 1 for x in parsed)


def _check(gold: str, pred: list[str], boxes: list[str] | None) -> tuple[str, bool, str, str]:
    """(status, equivalent, parsed prediction or error, how it was compared: ``math``, ``text``
    or ``string``). ``boxes``: every box of the answer part, also tried for a multi-answer
    gold. No timeouts here: the caller bounds it."""
    from math_verify import parse, verify

    try:
        g_words = answers.spelled_number(answers.gold_items(gold))
        if g_words is not None:
            return _check_number_words(g_words, pred)
        g = parse(answers.gold_latex(gold), parsing_timeout=None)
        g_math = [x for x in g if not isinstance(x, str)]
        if answers.is_text_gold(gold, g_math):
            want = answers.text_items(answers.gold_items(gold))
            tries = [pred, boxes] if boxes and len(want) > 1 else [pred]
            got = [answers.text_items(t) for t in tries]
            how = "text, all boxes" if want in got[1:] and want != got[0] else "text"
            return "ok", want in got, " | ".join(sorted(got[0]))[:200], how
        if not g_math and not answers.well_formed(gold):
            return "bad_gold", False, "", "math"
        mode = "math" if g_math else "string"  # math-verify's own string fallback: only an exact match
        first = ""
        for n, items in enumerate([pred, boxes] if boxes and _is_multi(g_math) else [pred]):
            p_words = answers.spelled_number(items)
            p = parse(answers.latex_of([number_latex(p_words)] if p_words is not None else items), parsing_timeout=None)
            first = first or (str(p[0])[:200] if p else "")
            if p and verify(g, p, timeout_seconds=None):
                return "ok", True, str(p[0])[:200], mode + (", all boxes" if n else "")
        return ("ok" if first else "unparseable"), False, first, mode
    except Exception as e:  # noqa: BLE001 - odd model output never crashes scoring
        return "error", False, f"{type(e).__name__}: {e}"[:200], "math"


def _check_number_words(gold: Fraction, pred: list[str]) -> tuple[str, bool, str, str]:
    """A gold spelled in words ("forty two"): the prediction in words is compared as a number,
    one in digits or LaTeX through math-verify against the gold's value."""
    from math_verify import parse, verify

    p_words = answers.spelled_number(pred)
    if p_words is not None:
        return "ok", p_words == gold, number_latex(p_words), "number words"
    p = parse(answers.latex_of(pred), parsing_timeout=None)
    if not p:
        return "unparseable", False, "", "number words"
    ok = verify(parse(f"${number_latex(gold)}$", parsing_timeout=None), p, timeout_seconds=None)
    return "ok", bool(ok), str(p[0])[:200], "number words"


def _check_bounded(gold: str, pred: list[str], boxes: list[str] | None, timeout_s: float) -> tuple[str, bool, str, str]:
    if threading.current_thread() is not threading.main_thread():
        return _WORKER.call(gold, pred, boxes, timeout_s)
    import math_verify  # noqa: F401 - import outside the timer: an interrupted import leaves it half-loaded
    try:
        with _alarm(timeout_s) as fired:
            out = _check(gold, pred, boxes)
        return ("timeout", False, "", "math") if fired else out
    except _Timeout:
        return "timeout", False, "", "math"


class _Worker:
    """A child interpreter that runs ``_check_bounded`` in its own main thread; calls from
    several threads are serialised."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None

    def _start(self) -> None:
        from_parent, to_child = os.pipe()
        from_child, to_parent = os.pipe()
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "rewards.math", str(from_parent), str(to_parent)],
                                     pass_fds=(from_parent, to_parent), env=env, stdin=subprocess.DEVNULL)
        os.close(from_parent)
        os.close(to_parent)
        self.tx, self.rx = Connection(to_child, readable=False), Connection(from_child, writable=False)

    def _stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.tx.close()
            self.rx.close()
            self.proc = None

    def call(self, gold: str, pred: list[str], boxes: list[str] | None, timeout_s: float) -> tuple[str, bool, str, str]:
        with self.lock:
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self._stop()
                    self._start()
                self.tx.send((gold, pred, boxes, timeout_s))
                if self.rx.poll(timeout_s + _GRACE_S):
                    return self.rx.recv()
                self._stop()
                return "timeout", False, "", "math"
            except (OSError, EOFError) as e:
                self._stop()
                return "error", False, f"math-verify worker failed: {e}"[:200], "math"


_WORKER = _Worker()


def _serve(rx: Connection, tx: Connection) -> None:
    """Worker loop: answer ``(gold, pred, boxes, timeout_s)`` requests until the parent goes away."""
    import math_verify  # noqa: F401 - before any timer runs (see _check_bounded)

    while True:
        try:
            gold, pred, boxes, timeout_s = rx.recv()
        except (EOFError, OSError):
            return
        tx.send(_check_bounded(gold, pred, boxes, timeout_s))


@register_reward("math_correctness")
class MathCorrectness:
    """1.0 if the explicit final answer is mathematically equivalent to the gold answer, else 0."""

    is_correctness = True

    def __init__(self, timeout_s: float = 5.0):
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)):
            raise TypeError(f"math_correctness: timeout_s must be a number of seconds, got {timeout_s!r}")
        if not timeout_s > 0:
            raise ValueError(f"math_correctness: timeout_s must be > 0, got {timeout_s!r}")
        self.timeout_s = float(timeout_s)

    def _one(self, row: dict[str, Any]) -> RewardResult:
        gold = row.get("answer")
        if gold is None or (isinstance(gold, str) and not gold.strip()):
            return RewardResult(None, info={"reason": "row has no answer"})
        row_id = row.get("id", "(no id)")
        try:
            text = completion_text(row.get("completion"))
        except ValueError as e:
            return RewardResult(None, "error", info={"reason": f"row {row_id!r}: {e}"})
        thinking, answer, _ = split_thinking(text)
        pred = answers.predicted_items(answer)
        info: dict[str, Any] = {"pred": None if pred is None else " | ".join(pred)[:200]}
        if row.get("finish_reason") == "length":
            info["truncated"] = True
        if pred is None:
            unclosed = thinking is not None and not answer
            info["reason"] = "unclosed <think>: no answer part" if unclosed else "no \\boxed{} or final-answer line"
            return RewardResult(0.0, "unparseable", info=info)
        boxes = answers.all_boxed(answer)
        if len(boxes) > 1:
            info["boxes"] = len(boxes)
        boxes = boxes if len(boxes) > len(pred) else None
        status, ok, parsed, mode = _check_bounded(answers.gold_text(gold), pred, boxes, self.timeout_s)
        if status == "ok":
            return RewardResult(1.0 if ok else 0.0, info={**info, "parsed": parsed, "compared": mode})
        if status == "bad_gold":
            reason = (f"row {row_id!r}: gold answer {answers.gold_text(gold)[:100]!r} does not parse as mathematics "
                      "and is not plain text; fix its 'answer' field")
            return RewardResult(None, "error", info={**info, "reason": reason})
        reason = {"unparseable": "prediction does not parse", "timeout": f"verify exceeded {self.timeout_s:g}s"}
        return RewardResult(0.0, status, info={**info, "reason": reason.get(status, parsed)})  # type: ignore[arg-type]

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]


if __name__ == "__main__":  # the worker: python -m rewards.math READ_FD WRITE_FD
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
