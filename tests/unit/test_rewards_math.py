"""math_correctness: equivalent and inequivalent forms, explicit-answer extraction, timeouts."""
from __future__ import annotations

import signal
import threading

import pytest

from rewards.math import MathCorrectness

EQUIVALENT = [  # gold, completion: all score 1.0 / ok
    ("0.5", r"so the result is \boxed{\frac{1}{2}}"),
    (r"\frac{1}{2}", r"\boxed{0.5}"),
    ("1/2", r"\boxed{\dfrac{1}{2}}"),
    (0.5, r"\boxed{\frac12}"),  # numeric gold from JSON
    (5, r"\boxed{5}"),
    ("3", r"we get \boxed{x=3}"),
    ("3", "Solving gives x = 3.\nAnswer: x = 3"),
    (r"\{1,2\}", r"\boxed{\{2,1\}}"),
    ("{1, 2}", r"The answer is $\{2, 1\}$."),
    ([1, 2], r"\boxed{2, 1}"),  # a JSON list gold is a set
    (r"\pm 3", r"\boxed{3, -3}"),
    ("(0,1]", r"\boxed{(0, 1]}"),
    (r"(-\infty, 2)", r"\boxed{(-\infty,2)}"),
    ("x^2+2x", r"\boxed{x(x+2)}"),
    (r"\sqrt{2}/2", r"\boxed{\frac{\sqrt{2}}{2}}"),
    ("1000", r"\boxed{1,000}"),
    ("5", r"\boxed{5\text{ cm}}"),
    ("5", "The answer is 5."),
    ("5", "Final answer: $5$"),
    ("5", "**Final Answer:** 5"),
    ("5", "最终答案是 5"),
    ("5", r"<think>maybe \boxed{4}? no, 2+3=5</think>The answer is \boxed{5}."),
    ("5", r"reasoning without an open tag </think> \boxed{5}"),  # <think> was in the prompt
    ("5", [{"role": "assistant", "content": r"\boxed{5}"}]),  # chat-format completion
]

INEQUIVALENT = [  # gold, completion: score 0.0 / ok
    ("[0,1)", r"\boxed{(0,1]}"),
    (r"\{1,2\}", r"\boxed{\{1,2,3\}}"),
    ("x^2+2x", r"\boxed{x^2+3x}"),
    ("5", r"\boxed{6}"),
    ("12", r"\boxed{12, 13}"),
    (r"\frac{1}{3}", r"\boxed{0.3}"),
    ("5", r"<think>2+3 = \boxed{5}</think> so \boxed{6}"),  # only the answer part counts
    ("5", r"\boxed{5} at first, but the answer is \boxed{7}"),  # the last box counts
]

UNPARSEABLE = [  # gold, completion, extra columns: score 0.0 / unparseable
    ("5", "2 + 3 = 5, so next we compute", {}),  # the gold number appears mid-text
    ("5", "2 + 3 = 5, so next we compute", {"finish_reason": "length"}),
    ("5", r"<think>2+3=5 and so \boxed{5}", {"finish_reason": "length"}),  # unclosed think
    ("5", r"the sum is \boxed{5", {"finish_reason": "length"}),  # unclosed box
    ("5", r"\boxed{}", {}),
    ("5", "", {}),
    ("5", None, {}),
]


def _score(gold, completion, **extra):
    return MathCorrectness()([{"answer": gold, "completion": completion, **extra}])[0]


@pytest.mark.parametrize("gold,completion", EQUIVALENT)
def test_equivalent_forms_score_one(gold, completion):
    r = _score(gold, completion)
    assert (r.score, r.status) == (1.0, "ok"), r.info


@pytest.mark.parametrize("gold,completion", INEQUIVALENT)
def test_inequivalent_forms_score_zero(gold, completion):
    r = _score(gold, completion)
    assert (r.score, r.status) == (0.0, "ok"), r.info


@pytest.mark.parametrize("gold,completion,extra", UNPARSEABLE)
def test_no_explicit_answer_is_unparseable(gold, completion, extra):
    r = _score(gold, completion, **extra)
    assert (r.score, r.status) == (0.0, "unparseable"), r.info
    assert r.info.get("truncated") == (True if extra.get("finish_reason") == "length" else None)


def test_truncated_response_with_explicit_answer_still_scores():
    r = _score("5", r"<think>2+3</think> \boxed{5} and now let me also", finish_reason="length")
    assert (r.score, r.status, r.info["truncated"]) == (1.0, "ok", True)


@pytest.mark.parametrize("answer", [None, "", "   "])
def test_rows_without_answer_do_not_apply(answer):
    row = {"completion": r"\boxed{1}"} if answer is None else {"answer": answer, "completion": r"\boxed{1}"}
    r = MathCorrectness()([row])[0]
    assert r.score is None and r.status == "ok"


def test_info_has_raw_and_parsed_prediction():
    r = _score("3", r"\boxed{x = 3}")
    assert r.info["pred"] == "x = 3" and r.info["parsed"] == "Eq(x, 3)"


def test_gold_that_does_not_parse_is_error_not_a_zero():
    r = _score("$$", r"\boxed{5}")  # most junk golds fall back to a string compare instead
    assert (r.score, r.status) == (None, "error") and "gold" in r.info["reason"]


def test_batch_keeps_order():
    rows = [{"answer": "1", "completion": r"\boxed{1}"}, {"completion": "x"}, {"answer": "2", "completion": r"\boxed{3}"}]
    assert [r.score for r in MathCorrectness()(rows)] == [1.0, None, 0.0]


HUGE = r"\boxed{9^{9^{9^{9}}}}"  # sympy spends forever (in C, holding the GIL) on this


def test_timeout_in_main_thread_restores_outer_timer():
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        r = MathCorrectness(timeout_s=0.5)([{"answer": "5", "completion": HUGE}])[0]
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    assert (r.score, r.status) == (0.0, "timeout")
    assert 90 < remaining <= 100  # an outer timer (pytest-timeout) keeps running


def test_off_main_thread_uses_bounded_worker():
    rows = [{"answer": "5", "completion": HUGE}, {"answer": "0.5", "completion": r"\boxed{\frac{1}{2}}"}]
    out: list = []
    t = threading.Thread(target=lambda: out.extend(MathCorrectness(timeout_s=0.5)(rows)))
    t.start()
    t.join(60)
    assert not t.is_alive()
    assert [(r.score, r.status) for r in out] == [(0.0, "timeout"), (1.0, "ok")]


@pytest.mark.parametrize("params,exc", [({"timeout_s": 0}, ValueError), ({"timeout_s": -1}, ValueError),
                                        ({"timeout_s": "5"}, TypeError), ({"timeout_s": True}, TypeError),
                                        ({"nope": 1}, TypeError)])
def test_bad_params_raise(params, exc):
    with pytest.raises(exc, match="timeout_s|nope"):
        MathCorrectness(**params)


def test_is_a_correctness_reward():
    assert MathCorrectness.is_correctness is True and MathCorrectness.name == "math_correctness"
