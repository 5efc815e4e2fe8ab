"""exact_match: normalisation, booleans, numbers, lists, answer extraction, unparseable."""
from __future__ import annotations

import pytest

from rewards.logic import ExactMatch, normalise

MATCH = [  # gold, completion, ordered, score
    ("Alice", r"\boxed{alice}", True, 1.0),
    ("Alice", r"\boxed{\text{Alice}}", True, 1.0),
    ("The Red House", "Answer: red   house!", True, 1.0),  # article, case, whitespace, punctuation
    ("Bob", "I think it over.\nThe Bob.", True, 1.0),  # last line fallback
    ("Bob", "**Final answer:** Bob", True, 1.0),
    ("Bob", "Carol", True, 0.0),
    ("Bob", "Bobby", True, 0.0),
    ("yes", "Answer: True", True, 1.0),
    ("True", r"\boxed{yes}", True, 1.0),
    ("no", r"\boxed{yes}", True, 0.0),
    (False, "Answer: no", True, 1.0),  # JSON boolean gold
    ("14", r"\boxed{14.0}", True, 1.0),
    (14, "The answer is 14.", True, 1.0),  # JSON number gold, sentence period
    ("1400", r"\boxed{1,400}", True, 1.0),  # thousands separator, not a list
    ("3.5", r"\boxed{3.50}", True, 1.0),
    ("3.5", r"\boxed{35}", True, 0.0),
    ("-2", r"\boxed{-2}", True, 1.0),
    ("-2", r"\boxed{2}", True, 0.0),
    ("a, b, c", r"\boxed{a,b,c}", True, 1.0),
    ("a, b, c", r"\boxed{[A; B; C]}", True, 1.0),
    ("a, b", r"\boxed{b, a}", True, 0.0),  # ordered by default
    ("a, b", r"\boxed{b, a}", False, 1.0),
    ("Alice, Bob", "Answer: Bob and Alice", False, 1.0),
    (["Alice", "Bob"], r"\boxed{Alice, Bob}", True, 1.0),  # JSON list gold
    (["Alice", "Bob"], r"\boxed{Bob, Alice}", True, 0.0),
    (["Alice", "Bob"], r"\boxed{Bob, Alice}", False, 1.0),
    ("a, b", r"\boxed{a, b, c}", False, 0.0),
    ("Bob", "<think>It could be Carol.\nCarol</think>\nBob", True, 1.0),  # only the answer part
    ("Carol", "<think>It could be Carol.\nCarol</think>\nBob", True, 0.0),
]


@pytest.mark.parametrize("gold,completion,ordered,score", MATCH)
def test_exact_match(gold, completion, ordered, score):
    r = ExactMatch(ordered=ordered)([{"answer": gold, "completion": completion}])[0]
    assert (r.score, r.status) == (score, "ok"), r.info


UNPARSEABLE = [  # completion, extra columns
    ("<think>Let me think. It is Bob", {}),  # unclosed think: no answer part
    ("Let me think step by step. First, Alice", {"finish_reason": "length"}),  # truncated, no explicit answer
    ("", {}),
    ("   \n  ", {}),
    ("<think>reasoning</think>", {}),
    (r"\boxed{...}", {}),
]


@pytest.mark.parametrize("completion,extra", UNPARSEABLE)
def test_unparseable(completion, extra):
    r = ExactMatch()([{"answer": "Bob", "completion": completion, **extra}])[0]
    assert (r.score, r.status) == (0.0, "unparseable")


def test_truncated_with_explicit_answer_counts():
    row = {"answer": "Bob", "completion": "Answer: Bob\nand furthermore we", "finish_reason": "length"}
    assert ExactMatch()([row])[0].score == 1.0


@pytest.mark.parametrize("row", [{"completion": "Bob"}, {"answer": "", "completion": "Bob"}, {"answer": None, "completion": "Bob"}])
def test_no_answer_does_not_apply(row):
    assert ExactMatch()([row])[0].score is None


@pytest.mark.parametrize("raw,expected", [("  The  Answer. ", "answer"), ("YES", "true"), ("false", "false"),
                                          ("7", "7.0"), ("7.00", "7.0"), ("1,000,000", "1000000.0"),
                                          (r"\text{(B)}", "b"), ("An apple", "apple"), ("Anna", "anna")])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_info_has_prediction():
    r = ExactMatch()([{"answer": "Bob", "completion": r"so \boxed{The Bob}"}])[0]
    assert r.info["pred"] == "The Bob" and r.info["normalised"] == "bob"


@pytest.mark.parametrize("params,exc", [({"ordered": "no"}, TypeError), ({"ordered": 1}, TypeError), ({"strict": True}, TypeError)])
def test_bad_params_raise(params, exc):
    with pytest.raises(exc, match="ordered|strict"):
        ExactMatch(**params)


def test_is_a_correctness_reward():
    assert ExactMatch.is_correctness is True and ExactMatch.name == "exact_match"
