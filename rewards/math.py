"""``math_correctness``: math-verify equivalence between the gold answer and the prediction.

Usage (YAML): ``{name: math_correctness, weight: 1.0, params: {timeout_s: 5}}``.

The prediction is only an *explicit* final answer in the answer part (after ``</think>``):
the last ``\\boxed{}``, else a final-answer line ("Answer: x", "The answer is x",
"Final answer: x"). A response with neither, such as one truncated mid-thought
(``finish_reason == "length"``) or one whose ``<think>`` never closed, is ``unparseable``
and scores 0. We never pick up an intermediate number. Gold and prediction go through
``math_verify.parse``/``verify``. Equivalent forms match: ``\\frac{1}{2}`` and 0.5,
``x=3`` and 3, ``\\{2,1\\}`` and ``\\{1,2\\}``, ``x(x+2)`` and ``x^2+2x``, equal intervals.
A gold given as a JSON list is read as a set.

Time limit: each parse+verify is bounded by ``timeout_s`` (status ``timeout``, score 0).
In the main thread a SIGALRM timer interrupts it (math-verify's own signal timeouts are
turned off: they clobber outer timers and fail outside the main thread). A thread cannot
be interrupted, and sympy's big-integer arithmetic (``9^{9^{9^9}}``) holds the GIL, so
calls from other threads go to a child interpreter (``python -m rewards.math``) that
applies the same timer and is killed if it stops answering.

Departures from the paper: none in spirit (rule-based accuracy reward); rows without an
``answer`` get None, and a gold that math-verify cannot parse gives None with ``error``.
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
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Iterator

from .base import RewardResult, completion_text, register_reward
from .text import final_answer, split_thinking

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


def _as_latex(value: Any) -> str:
    """A gold or predicted answer as a string for ``math_verify.parse``."""
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(str(v) for v in value)
    s = str(value).strip().rstrip(" .,;。")
    for left, right in (("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
            s = s[len(left):len(s) - len(right)].strip("$ ")
    return s if "$" in s else f"${s}$"  # mixed prose + $math$: let math-verify find the math


def _check(gold: str, pred: str) -> tuple[str, bool, str]:
    """(status, equivalent, parsed prediction). No timeouts here: the caller bounds it."""
    from math_verify import parse, verify

    try:
        g = parse(gold, parsing_timeout=None)
        if not g:
            return "bad_gold", False, ""
        p = parse(pred, parsing_timeout=None)
        if not p:
            return "unparseable", False, ""
        return "ok", bool(verify(g, p, timeout_seconds=None)), str(p[0])[:200]
    except Exception as e:  # noqa: BLE001 - odd model output never crashes scoring
        return "error", False, f"{type(e).__name__}: {e}"[:200]


def _check_bounded(gold: str, pred: str, timeout_s: float) -> tuple[str, bool, str]:
    if threading.current_thread() is not threading.main_thread():
        return _WORKER.call(gold, pred, timeout_s)
    try:
        with _alarm(timeout_s) as fired:
            out = _check(gold, pred)
        return ("timeout", False, "") if fired else out
    except _Timeout:
        return "timeout", False, ""


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

    def call(self, gold: str, pred: str, timeout_s: float) -> tuple[str, bool, str]:
        with self.lock:
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self._stop()
                    self._start()
                self.tx.send((gold, pred, timeout_s))
                if self.rx.poll(timeout_s + _GRACE_S):
                    return self.rx.recv()
                self._stop()
                return "timeout", False, ""
            except (OSError, EOFError) as e:
                self._stop()
                return "error", False, f"math-verify worker failed: {e}"[:200]


_WORKER = _Worker()


def _serve(rx: Connection, tx: Connection) -> None:
    """Worker loop: answer ``(gold, pred, timeout_s)`` requests until the parent goes away."""
    while True:
        try:
            gold, pred, timeout_s = rx.recv()
        except (EOFError, OSError):
            return
        tx.send(_check_bounded(gold, pred, timeout_s))


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
        thinking, answer, _ = split_thinking(completion_text(row.get("completion")))
        pred = final_answer(answer)
        info: dict[str, Any] = {"pred": None if pred is None else pred[:200]}
        if row.get("finish_reason") == "length":
            info["truncated"] = True
        if pred is None:
            unclosed = thinking is not None and not answer
            info["reason"] = "unclosed <think>: no answer part" if unclosed else "no \\boxed{} or final-answer line"
            return RewardResult(0.0, "unparseable", info=info)
        status, ok, parsed = _check_bounded(_as_latex(gold), _as_latex(pred), self.timeout_s)
        if status == "ok":
            return RewardResult(1.0 if ok else 0.0, info={**info, "parsed": parsed})
        if status == "bad_gold":
            return RewardResult(None, "error", info={**info, "reason": f"gold answer {str(gold)[:100]!r} does not parse"})
        reason = {"unparseable": "prediction does not parse", "timeout": f"verify exceeded {self.timeout_s:g}s"}
        return RewardResult(0.0, status, info={**info, "reason": reason.get(status, parsed)})  # type: ignore[arg-type]

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]


if __name__ == "__main__":  # the worker: python -m rewards.math READ_FD WRITE_FD
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
