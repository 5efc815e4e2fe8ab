"""Table-driven tests for the rule-based rewards."""
from __future__ import annotations

import pytest

from rewards.base import build_reward, registered_rewards
from rewards.format import Format
from rewards.language import LanguageConsistency
from rewards.length import LengthPenalty
from rewards.logic import ExactMatch
from rewards.math import MathCorrectness

MATH = [  # gold, completion, score, status
    ("0.5", r"so \boxed{\frac{1}{2}}", 1.0, "ok"),
    (r"\frac{1}{2}", r"\boxed{0.5}", 1.0, "ok"),
    ("3", r"we get \boxed{x=3}", 1.0, "ok"),
    (r"\{1,2\}", r"\boxed{\{2,1\}}", 1.0, "ok"),
    ("(0,1]", r"\boxed{(0,1]}", 1.0, "ok"),
    ("[0,1)", r"\boxed{(0,1]}", 0.0, "ok"),
    ("x^2+2x", r"\boxed{x(x+2)}", 1.0, "ok"),
    ("5", "The answer is 5.", 1.0, "ok"),
    ("5", r"\boxed{6}", 0.0, "ok"),
    ("5", r"<think>2+3 = \boxed{5}? no</think> \boxed{6}", 0.0, "ok"),  # only the answer part counts
    ("5", "2 + 3 = 5, so next we compute", 0.0, "unparseable"),  # truncated: no intermediate pickup
    ("5", r"<think>2+3=5 and then \boxed{5", 0.0, "unparseable"),  # unclosed think: no answer part
]


@pytest.mark.parametrize("gold,completion,score,status", MATH)
def test_math_correctness(gold, completion, score, status):
    r = MathCorrectness()([{"answer": gold, "completion": completion}])[0]
    assert (r.score, r.status) == (score, status)


def test_math_no_answer_is_none():
    assert MathCorrectness()([{"completion": r"\boxed{1}"}])[0].score is None


LOGIC = [("Alice", r"\boxed{alice}", 1.0), ("yes", "Answer: True", 1.0), ("no", r"\boxed{yes}", 0.0),
         ("14", r"\boxed{14.0}", 1.0), ("a, b, c", r"\boxed{a,b,c}", 1.0), ("Bob", "I think\nThe Bob.", 1.0),
         ("Bob", "Carol", 0.0)]


@pytest.mark.parametrize("gold,completion,score", LOGIC)
def test_exact_match(gold, completion, score):
    assert ExactMatch()([{"answer": gold, "completion": completion}])[0].score == score


def test_exact_match_unordered_lists():
    row = {"answer": "a, b", "completion": r"\boxed{b, a}"}
    assert ExactMatch()([row])[0].score == 0.0 and ExactMatch(ordered=False)([row])[0].score == 1.0


FORMAT = [("<think>\nreason</think> answer", "thinking", False, 1.0), ("<think>reason", "thinking", False, 0.0),
          ("<think></think> answer", "thinking", False, 0.0), ("<think>r</think>", "thinking", False, 0.0),
          ("plain answer", "non_thinking", False, 1.0), ("<think>r</think> a", "non_thinking", False, 1.0),
          ("x </think> y", "non_thinking", False, 0.0), (r"so \boxed{4}", "non_thinking", True, 1.0),
          ("so 4", "non_thinking", True, 0.0)]


@pytest.mark.parametrize("text,mode,boxed,score", FORMAT)
def test_format(text, mode, boxed, score):
    assert Format(require_boxed=boxed)([{"completion": text, "mode": mode}])[0].score == score


@pytest.mark.parametrize("n,expected", [(10, 0.0), (96, 0.0), (112, -0.5), (128, -1.0), (500, -1.0)])
def test_overlong_soft_penalty(n, expected):
    r = LengthPenalty(max_len=128, buffer=32)([{"completion": "x", "completion_tokens": n}])[0]
    assert r.score == pytest.approx(expected)


def test_verbosity_relative_to_shortest_correct_in_group():
    rows = [{"id": "p", "completion_tokens": 10, "_correct": True}, {"id": "p", "completion_tokens": 20, "_correct": True},
            {"id": "p", "completion_tokens": 5, "_correct": False}, {"id": "q", "completion_tokens": 40, "_correct": True}]
    out = LengthPenalty(max_len=100, buffer=10, verbosity_weight=0.5)(rows)
    assert [r.score for r in out] == pytest.approx([0.0, -0.5, 0.0, 0.0])


LANG = [  # target, text, lower bound, upper bound
    ("en", "The answer is five because two plus three equals five.", 0.95, 1.0),
    ("fr", "Nous additionnons deux et trois pour obtenir cinq, donc la réponse est cinq.", 0.95, 1.0),
    ("en", "<think>Je pense que la réponse est cinq parce que deux plus trois font cinq.</think> 5", 0.0, 0.1),
    ("en", "首先我们计算二加三等于五然后得到答案。 Then the answer is five.", 0.1, 0.6),
    ("zh", "首先我们计算二加三等于五然后得到答案。 Then the answer is five.", 0.4, 0.9),
    ("en", "```python\nprint('bonjour le monde')\n``` The code prints a greeting in the console.", 0.95, 1.0),
]


@pytest.mark.parametrize("target,text,lo,hi", LANG)
def test_language_consistency(target, text, lo, hi):
    r = LanguageConsistency()([{"language": target, "completion": text}])[0]
    assert lo <= r.score <= hi, (r.score, r.info)


def test_language_target_detected_from_prompt_and_empty_is_none():
    lc = LanguageConsistency()
    assert lc([{"prompt": "Combien font deux et trois ?", "completion": "Deux et trois font cinq."}])[0].info["target"] == "fr"
    assert lc([{"language": "en", "completion": "$x+1$ `code`"}])[0].score is None


def test_registry_and_bad_params():
    names = set(registered_rewards())
    assert {"math_correctness", "code_tests", "exact_match", "length_penalty", "language_consistency", "format",
            "rubric_judge"} <= names
    with pytest.raises(ValueError, match="length_penalty"):
        build_reward("length_penalty", {"max_len": 10, "buffer": 20})
    with pytest.raises(ValueError, match="bad params"):
        build_reward("format", {"nope": 1})
    with pytest.raises(KeyError, match="unknown reward"):
        build_reward("nope")
