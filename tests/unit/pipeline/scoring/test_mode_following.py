"""Mode following: a thinking prompt answered with one ``<think>`` block then an answer, a non-thinking
prompt answered without think tags; the per-domain rate (with its Wilson CI) and the per-mode pool."""
from __future__ import annotations

import pytest

from pipeline.scoring.metrics import domain_key, domain_metrics, follows_mode, mode_following


@pytest.mark.parametrize("completion, mode, expected", [
    ("<think>\nadd them</think>\nThe answer is 5.", "thinking", True),
    ("The answer is 5.", "thinking", False),                      # no block at all
    ("<think>\nadd them and keep going", "thinking", False),      # cut off inside its block
    ("<think>\n</think> 5", "thinking", False),                   # empty reasoning
    ("<think>\nadd</think>", "thinking", False),                  # no answer after the block
    ("<think>a</think> 5 <think>b</think> 6", "thinking", False),  # two blocks
    ("The answer is 5.", "non_thinking", True),
    ("<think>\nadd</think> 5", "non_thinking", False),             # thought when told not to
    ("5 </think>", "non_thinking", False),
    ("5", None, True),                                             # no mode: non-thinking
])
def test_follows_mode(completion, mode, expected):
    assert follows_mode({"completion": completion, "mode": mode}) is expected


def _rows(domain, mode, outcomes):
    good = "<think>\nx</think> 1" if mode == "thinking" else "1"
    return [{"id": f"{domain}{i // 2}", "domain": domain, "mode": mode, "completion": good if ok else "<think>\nx",
             "finish_reason": "stop", "status": "ok", "reward": 0.0, "components": {}} for i, ok in enumerate(outcomes)]


def test_rate_per_domain_key_has_a_wilson_ci():
    m = domain_metrics(_rows("math", "thinking", [True, True, True, False]), [1])
    assert m["mode_following_rate"] == 0.75
    lo, hi = m["mode_following_rate_ci"]
    assert 0.0 < lo < 0.75 < hi <= 1.0


def test_pooled_per_mode_over_domains_weighted_by_samples():
    rows = (_rows("math", "thinking", [True] * 3 + [False]) + _rows("logic", "thinking", [False, False])
            + _rows("math", "non_thinking", [True] * 4) + _rows("logic", "non_thinking", [True, False]))
    per_key: dict[str, list] = {}
    for r in rows:
        per_key.setdefault(domain_key(r), []).append(r)
    models = {"sft": {k: domain_metrics(v, [1]) for k, v in per_key.items()}, "empty": {}}
    out = mode_following(models)
    assert set(out) == {"sft"} and set(out["sft"]) == {"thinking", "non_thinking"}
    assert out["sft"]["thinking"]["rate"] == pytest.approx(3 / 6) and out["sft"]["thinking"]["n"] == 6
    assert out["sft"]["non_thinking"]["rate"] == pytest.approx(5 / 6)
    lo, hi = out["sft"]["thinking"]["ci"]
    assert lo < 0.5 < hi
