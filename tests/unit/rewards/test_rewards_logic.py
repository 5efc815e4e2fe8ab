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


# The final answer is read by the extraction math_correctness uses (rewards/math_answers.py);
# one class per defect of issue 13 that a logic answer can hit. gold, completion, score.
SHARED_EXTRACTION = {
    "escaped dollar": [
        ("5", r"The answer is \$5.", 1.0),
        ("5", r"\boxed{\$5}", 1.0),
        ("5", r"Answer: \$5", 1.0),
        ("6", r"The answer is \$5.", 0.0),
    ],
    "\\( \\) then prose": [
        ("Bob", r"The answer is \(Bob\). I hope it is correct.", 1.0),
        ("14", r"The answer is \(14\). I hope it is correct.", 1.0),
        ("yes", r"Final answer: \(\text{yes}\). Let me know if you need more.", 1.0),
        ("2, 5, 7", r"The answer is \(2, 5, 7\). Sorted from smallest to largest.", 1.0),
        ("Bob", r"The answer is \(Carol\). I hope it is correct.", 0.0),
    ],
    "boxed, nested braces": [
        ("Alice", r"\boxed{\textbf{\text{Alice}}}", 1.0),
        ("Alice", r"So the tallest is \boxed{\text{Alice}}. Done.", 1.0),
        ("a, b", r"\boxed{\{a, b\}}", 1.0),
        ("14", r"\boxed{{14}}", 1.0),
        ("Alice, Bob", r"\boxed{\text{Alice}} and \boxed{\text{Bob}}", 1.0),  # one connected box run
        ("Bob", r"First \boxed{Alice}, but checking again it is \boxed{Bob}", 1.0),  # drafts: the last counts
        ("Alice", r"\boxed{Alice} and \boxed{Bob}", 0.0),  # a hedge is not the single answer
    ],
    "answer-is line": [
        ("Bob", "The answer is Bob.", 1.0),
        ("Bob", "After comparing them all, the answer is: **Bob**.", 1.0),
        ("no", "Let me check.\nThe final answer is No. A and B cannot both hold.", 1.0),
        ("Alice is a knight", "Answer: Alice is a knight.", 1.0),  # "X is Y" kept whole, unlike math
        ("3.5", "The answer is 3.5. That is all.", 1.0),  # a decimal point is not a sentence end
        ("8", r"The answer is $8$.", 1.0),
        ("8", r"The answer is $$8$$", 1.0),
        ("Bob", "The answer is Bob. Carol is shorter.", 1.0),  # prose after the sentence is cut
    ],
}


@pytest.mark.parametrize("gold,completion,score",
                         [row for rows in SHARED_EXTRACTION.values() for row in rows],
                         ids=[f"{k}:{i}" for k, rows in SHARED_EXTRACTION.items() for i in range(len(rows))])
def test_shared_final_answer_extraction(gold, completion, score):
    r = ExactMatch()([{"answer": gold, "completion": completion}])[0]
    assert (r.score, r.status) == (score, "ok"), r.info


@pytest.mark.parametrize("completion", [r"\boxed{}", r"It is \boxed{ } I think"])
def test_only_empty_boxes_is_unparseable(completion):
    r = ExactMatch()([{"answer": "Bob", "completion": completion}])[0]
    assert (r.score, r.status) == (0.0, "unparseable")


@pytest.mark.parametrize("gold", [r"\$5", "$5$", r"\(5\)", r"\text{5}"])
def test_gold_is_read_like_the_prediction(gold):
    assert ExactMatch()([{"answer": gold, "completion": r"\boxed{5}"}])[0].score == 1.0
