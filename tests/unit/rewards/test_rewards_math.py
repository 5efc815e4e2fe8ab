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


# ---- defect classes of issue 13, each table-driven: gold, completion, score, how it was compared ----------------
ESCAPED_DOLLAR = [
    ("5", r"\boxed{\$5}", 1.0, "math"),
    ("5", r"The answer is \$5.", 1.0, "math"),
    (r"\$5", r"\boxed{5}", 1.0, "math"),  # an escaped dollar in the gold too
    ("5", r"\boxed{5\$}", 1.0, "math"),
    ("5", r"The answer is $5.", 1.0, "math"),  # a lone unpaired dollar is currency
    ("5", r"\boxed{\$6}", 0.0, "math"),
    ("1000", r"The answer is \$1 000.", 1.0, "math"),  # spaced digit groups
]
GOLD_SPANS = [
    ("$1$ and $2$ and $3$", r"\boxed{1, 2, 3}", 1.0, "math"),
    ("$1$ and $2$ and $3$", r"\boxed{3, 1, 2}", 1.0, "math"),
    ("$1$ and $2$ and $3$", r"\boxed{1, 2}", 0.0, "math"),
    ("$1$ and $2$ and $3$", r"\boxed{1}", 0.0, "math"),
    ("$x=2$ or $x=3$", r"\boxed{x=2 \text{ or } x=3}", 1.0, "math"),
    ("$x=2$ or $x=3$", r"\boxed{2, 3}", 1.0, "math"),
    ("$x=2$ or $x=3$", r"\boxed{2}", 0.0, "math"),
    ("$x=2$ or $x=3$", r"\boxed{x=2, x=4}", 0.0, "math"),
]
PAREN_THEN_PROSE = [
    ("5", r"The answer is \(5\). I hope it is correct.", 1.0, "math"),
    ("5", r"The answer is \(6\). I hope it is correct.", 0.0, "math"),
    ("5", r"The final answer is $5$. I hope it is correct.", 1.0, "math"),
    (r"28\%", r"Final Answer: The final answer is $28\%$. I hope it is correct.", 1.0, "math"),
    ("3.5", "The answer is 3.5. Done.", 1.0, "math"),
    ("10455", r"so \boxed{255} is the interest. Final Answer: The final answer is $10,455$.", 1.0, "math"),
]
TEXT_GOLDS = [  # not mathematics: compared as normalised text, never as a product of letters
    ("Alice", r"\boxed{Alice}", 1.0, "text"),
    ("Alice", r"\boxed{ecilA}", 0.0, "text"),  # an anagram scored 1.0 before
    ("Alice", r"\boxed{\text{alice}}", 1.0, "text"),
    ("Alice", "The answer is Alice.", 1.0, "text"),
    ("Monday", r"\boxed{Dynamo}", 0.0, "text"),
    (r"\text{Evelyn}", r"Therefore, $\boxed{\text{Evelyn}}$ is our answer.", 1.0, "text"),
    (r"\text{Evelyn}", r"\boxed{Evelyn}", 1.0, "text"),
    (r"\text{Evelyn}", r"\boxed{\text{nylevE}}", 0.0, "text"),
    ("no", r"\boxed{on}", 0.0, "text"),
    ("yes", r"\boxed{Yes}", 1.0, "text"),
    ("the Eiffel Tower", r"\boxed{Eiffel tower}", 1.0, "text"),
    ("Alice and Bob", r"\boxed{Bob} and \boxed{Alice}", 1.0, "text"),
    (["Alice", "Bob"], r"\boxed{Alice, Bob, Carol}", 0.0, "text"),
]
NUMBER_WORDS = [  # a number spelled in words is that number on both sides (issue 30); anagrams stay 0
    ("forty two", r"\boxed{42}", 1.0, "number words"),
    ("forty three", r"\boxed{43}", 1.0, "number words"),
    ("forty two", r"\boxed{41}", 0.0, "number words"),
    ("forty two", r"\boxed{owt ytrof}", 0.0, "number words"),  # the anagram
    ("forty-two", r"\boxed{Forty two}", 1.0, "number words"),
    ("forty two", "The answer is forty-two.", 1.0, "number words"),
    ("forty two", "The answer is forty-three.", 0.0, "number words"),
    ("Answer is forty three.", r"Some other content. \boxed{43}.", 1.0, "number words"),  # TRL's unparsable gold
    ("seven", r"\boxed{7}", 1.0, "number words"),
    ("seven", r"\boxed{neves}", 0.0, "number words"),
    ("seven", "The answer is Seven.", 1.0, "number words"),
    ("one hundred and five", r"\boxed{105}", 1.0, "number words"),
    ("one hundred and five", r"\boxed{150}", 0.0, "number words"),
    ("minus three", r"\boxed{-3}", 1.0, "number words"),
    ("minus three", r"\boxed{3}", 0.0, "number words"),
    ("twenty-one", r"\boxed{21}", 1.0, "number words"),
    ("zero", r"\boxed{0}", 1.0, "number words"),
    ("a thousand", r"\boxed{1000}", 1.0, "number words"),
    ("two thirds", r"\boxed{\frac{2}{3}}", 1.0, "number words"),
    ("three quarters", r"\boxed{0.75}", 1.0, "number words"),
    ("two and a half", r"\boxed{\frac{5}{2}}", 1.0, "number words"),
    ("three point one four", r"\boxed{3.14}", 1.0, "number words"),
    ("forty-second", r"\boxed{42}", 1.0, "number words"),
    (r"\text{twelve}", r"\boxed{12}", 1.0, "number words"),
    ("cuarenta y dos", r"\boxed{42}", 1.0, "number words"),  # Spanish
    ("quatre-vingt-dix-neuf", r"\boxed{99}", 1.0, "number words"),  # French
    ("zweiundvierzig", r"\boxed{42}", 1.0, "number words"),  # German
    ("42", r"\boxed{forty two}", 1.0, "math"),  # words in the prediction, digits in the gold
    ("42", "The answer is forty-one.", 0.0, "math"),
    ("-3", r"\boxed{\text{minus three}}", 1.0, "math"),
    ("One Direction", r"\boxed{one direction}", 1.0, "text"),  # not a number: still a text gold
    ("One Direction", r"\boxed{1}", 0.0, "text"),
]
STILL_MATH = [  # golds with words or letters that are mathematics keep the algebraic comparison
    ("125 miles", r"\boxed{125}", 1.0, "math"),
    (r"$125$ miles", r"The distance is $\boxed{125\textnormal{ miles}}.$", 1.0, "math"),
    (r"\sin x", r"\boxed{\sin(x)}", 1.0, "math"),
    ("ax+b", r"\boxed{b+ax}", 1.0, "math"),
    ("2xy", r"\boxed{2yx}", 1.0, "math"),
    ("AB=4, CD=5", r"\boxed{AB=4, CD=5}", 1.0, "math"),
    ("(A)", r"\boxed{A}", 1.0, "math"),
    (r"1 - \frac{1}{\mathrm{e}}", r"\boxed{1-\frac{1}{\mathrm{e}}}", 1.0, "math"),
    (r"x \in [0,1]", r"\boxed{[0, 1]}", 1.0, "math"),
]
MULTI_BOX = [  # boxes joined by connectors are one answer set; prose-separated boxes: the last, or all for a set gold
    ("1, 2", r"\boxed{1} and \boxed{2}", 1.0, "math"),
    ("1, 2", r"\boxed{2}, \boxed{1}", 1.0, "math"),
    ("-2, 1", r"The integers are \boxed{-2} and \boxed{1}.", 1.0, "math"),
    ("-2, 1", r"\[ \boxed{-2} \quad \text{and} \quad \boxed{1} \]", 1.0, "math"),
    ("(3,3), (1,1)", r"\boxed{(3, 3)} for part (a) and \boxed{(1, 1)} for part (b)", 1.0, "math, all boxes"),
    ("2", r"\boxed{1} and \boxed{2}", 0.0, "math"),  # hedging over two values is not rewarded
    ("7", r"\boxed{5} at first, but the answer is \boxed{7}", 1.0, "math"),  # a draft box, then the answer
    ("1, 2", r"\boxed{1} and \boxed{2} and \boxed{3}", 0.0, "math"),
    ("1, 2, 3", r"\boxed{1}, then later \boxed{2}", 0.0, "math"),
]
ROLELESS = [  # completions as chat messages: a message without a role is the model's (TRL passes them so)
    ("5", [{"content": r"\boxed{5}"}], 1.0, "math"),
    ("5", [{"role": "assistant", "content": r"\boxed{5}"}], 1.0, "math"),
    ("5", {"content": "The answer is 5."}, 1.0, "math"),
    ("5", [{"content": "We add."}, {"content": r"So \boxed{5}."}], 1.0, "math"),
    ("5", [{"role": "tool", "content": r"\boxed{5}"}, {"content": r"\boxed{4}"}], 0.0, "math"),  # tool output is not the answer
]
DEFECTS = ESCAPED_DOLLAR + GOLD_SPANS + PAREN_THEN_PROSE + TEXT_GOLDS + NUMBER_WORDS + STILL_MATH + MULTI_BOX + ROLELESS


@pytest.mark.parametrize("gold,completion,score,compared", DEFECTS)
def test_defect_tables(gold, completion, score, compared):
    r = _score(gold, completion)
    assert (r.score, r.status, r.info.get("compared")) == (score, "ok", compared), r.info


@pytest.mark.parametrize("gold", [r"\frac{", "$$", "{", r"\sqrt{2", "}{"])
def test_gold_that_does_not_parse_is_an_error_naming_the_row(gold):
    r = MathCorrectness()([{"id": "row-7", "answer": gold, "completion": r"\boxed{5}"}])[0]
    assert (r.score, r.status) == (None, "error")
    assert "row 'row-7'" in r.info["reason"] and "'answer'" in r.info["reason"]


def test_well_formed_gold_that_sympy_cannot_parse_needs_the_same_string():
    gold = r"$$x = \frac{1}{2}, x = \frac{-1 \pm \sqrt{13}}{4}$$"  # math-verify falls back to the string
    same = _score(gold, r"$$\boxed{x = \frac{1}{2}, x = \frac{-1 \pm \sqrt{13}}{4}}$$")
    other = _score(gold, r"\boxed{x = \frac{1}{2}, x = \frac{-1 \pm \sqrt{11}}{4}}")
    assert (same.score, same.info["compared"], other.score) == (1.0, "string", 0.0)


@pytest.mark.parametrize("completion,message", [
    (["\\boxed{5}"], "completion message 0 is a str"),
    ([{"role": "assistant", "content": ["\\boxed{5}"]}], "completion message 0: content must be a string"),
    ([{"content": "ok"}, 5], "completion message 1 is a int"),
])
def test_malformed_completion_messages_are_an_error_naming_the_row(completion, message):
    r = MathCorrectness()([{"id": "r1", "answer": "5", "completion": completion}])[0]
    assert (r.score, r.status) == (None, "error") and r.info["reason"].startswith("row 'r1': " + message)


def test_malformed_messages_through_the_router_are_an_error_not_an_empty_answer():
    from rewards.router import RewardRouter

    router = RewardRouter({"math": [{"name": "math_correctness"}, {"name": "format", "weight": 0.1}]})
    rows = [{"id": "a", "domain": "math", "answer": "5", "completion": [{"content": r"\boxed{5}"}]},
            {"id": "b", "domain": "math", "answer": "5", "completion": [r"\boxed{5}"]}]
    good, bad = router.score_rows(rows)
    assert good["status"] == "ok" and good["components"]["math_correctness"] == 1.0
    assert bad["status"] == "error" and bad["reward"] is None and bad["id"] == "b"
    assert "completion message 0" in bad["info"]["math_correctness"]["reason"]
    assert "completion message 0" in bad["info"]["format"]["error"]


def test_multi_box_info_says_how_many_boxes_were_seen():
    r = _score("(3,3), (1,1)", r"\boxed{(3, 3)} for part (a) and \boxed{(1, 1)}")
    assert r.info["boxes"] == 2 and r.info["pred"] == "(1, 1)"


@pytest.mark.parametrize("gold,completion,score", [
    ("5", r"\boxed{5}. I hope the answer is correct.", 1.0),  # prose after the box does not replace it
    ("5", r"\boxed{4}. The final answer is $5$.", 1.0),  # a later final-answer line with math does
    ("5", r"\boxed{5}. Final answer: see above.", 1.0),
])
def test_final_answer_line_after_the_last_box(gold, completion, score):
    r = _score(gold, completion)
    assert (r.score, r.status) == (score, "ok"), r.info
