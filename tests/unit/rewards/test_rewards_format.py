"""format reward and the thinking-block split it relies on."""
from __future__ import annotations

import pytest

from rewards.format import Format
from rewards.text import final_answer, last_boxed, split_thinking

SPLIT = [  # text, thinking, answer, well_formed
    ("<think>a</think>b", "a", "b", True),
    ("  \n<think>\nreason\n</think>\n\nanswer", "\nreason\n", "\n\nanswer", True),
    ("<think>unclosed reasoning", "unclosed reasoning", "", False),
    ("plain answer", None, "plain answer", True),
    ("reason</think>answer", "reason", "answer", False),  # open tag was in the prompt
    ("pre <think>a</think>b", "a", "b", False),  # text before <think>
    ("<think>a</think>b</think>c", "a</think>b", "c", False),  # answer after the last </think>
    ("<think>a<think>b</think>c", "a<think>b", "c", False),
    ("", None, "", True),
]


@pytest.mark.parametrize("text,thinking,answer,well", SPLIT)
def test_split_thinking(text, thinking, answer, well):
    assert split_thinking(text) == (thinking, answer, well)


@pytest.mark.parametrize("text,expected", [
    (r"\boxed{1} then \boxed{\frac{1}{2}}", r"\frac{1}{2}"), (r"\boxed{\{1,2\}}", r"\{1,2\}"),
    (r"\boxed{a{b}c}", "a{b}c"), (r"\boxed{5", None), ("no box", None)])
def test_last_boxed(text, expected):
    assert last_boxed(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("so the answer is 42.", "42"), ("The final answer is: 3.5.", "3.5"), ("Answer: Bob\nmore text", "Bob"),
    ("answer: 1\nAnswer: 2", "2"), ("Let me check my answer again", None), ("I answered 5", None),
    ("the answer is \\boxed{7}\nAnswer: 8", "7"), ("3 + 4 = 7", None)])
def test_final_answer_only_explicit(text, expected):
    assert final_answer(text) == expected


FORMAT = [  # completion, mode, require_boxed, score, reason substring
    ("<think>\nreason</think> answer", "thinking", False, 1.0, None),
    ("  <think>reason</think>\nanswer", "thinking", False, 1.0, None),
    ("<think>reason", "thinking", False, 0.0, "unclosed"),
    ("<think></think> answer", "thinking", False, 0.0, "empty thinking"),
    ("<think>  \n </think> answer", "thinking", False, 0.0, "empty thinking"),
    ("<think>r</think>", "thinking", False, 0.0, "empty answer"),
    ("<think>r</think>  \n", "thinking", False, 0.0, "empty answer"),
    ("plain answer", "thinking", False, 0.0, "does not start"),
    ("pre <think>r</think> a", "thinking", False, 0.0, "does not start"),
    ("<think>a</think><think>b</think> c", "thinking", False, 0.0, "more than one"),
    ("<think>a</think> b </think> c", "thinking", False, 0.0, "more than one"),
    ("<think>r</think> so \\boxed{4}", "thinking", True, 1.0, None),
    ("<think>r \\boxed{4}</think> so 4", "thinking", True, 0.0, "boxed"),  # the box must be in the answer
    ("plain answer", "non_thinking", False, 1.0, None),
    ("<think>r</think> a", "non_thinking", False, 0.0, "non-thinking"),
    ("x </think> y", "non_thinking", False, 0.0, "non-thinking"),
    ("so \\boxed{4}", "non_thinking", True, 1.0, None),
    ("so 4", "non_thinking", True, 0.0, "boxed"),
    ("<think>r</think> a", None, False, 1.0, None),  # no mode column: auto
    ("<think>r", None, False, 0.0, "unclosed"),
    ("plain", None, False, 1.0, None),
]


@pytest.mark.parametrize("completion,mode,boxed,score,reason", FORMAT)
def test_format(completion, mode, boxed, score, reason):
    row = {"completion": completion} if mode is None else {"completion": completion, "mode": mode}
    r = Format(require_boxed=boxed)([row])[0]
    assert r.score == score and r.status == "ok"
    assert (reason is None and "reason" not in r.info) or reason in r.info["reason"]


@pytest.mark.parametrize("default_mode,score", [("auto", 1.0), ("thinking", 0.0), ("non_thinking", 1.0)])
def test_default_mode_applies_to_rows_without_mode(default_mode, score):
    assert Format(default_mode=default_mode)([{"completion": "plain"}])[0].score == score


def test_unknown_row_mode_is_an_error_not_a_crash():
    r = Format()([{"completion": "x", "mode": "both"}])[0]
    assert r.score is None and r.status == "error"


def test_chat_completion():
    assert Format()([{"completion": [{"role": "assistant", "content": "<think>r</think>a"}], "mode": "thinking"}])[0].score == 1.0


@pytest.mark.parametrize("params,exc,name", [({"require_boxed": "yes"}, TypeError, "require_boxed"),
                                             ({"default_mode": "both"}, ValueError, "default_mode"),
                                             ({"boxed": True}, TypeError, "boxed")])
def test_bad_params_name_the_param(params, exc, name):
    with pytest.raises(exc, match=name):
        Format(**params)
