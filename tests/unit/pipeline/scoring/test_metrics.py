from __future__ import annotations

import pytest

from pipeline.scoring.metrics import domain_metrics, headline, pass_at_k, prompt_stats


@pytest.mark.parametrize("n,c,k,expected", [(4, 0, 1, 0.0), (4, 4, 1, 1.0), (4, 1, 1, 0.25), (4, 1, 4, 1.0),
                                            (4, 2, 2, 1 - 1 / 6), (10, 3, 5, 1 - 21 / 252)])
def test_pass_at_k_unbiased(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_domain_metrics():
    rows = [
        {"id": "a", "reward": 1.0, "components": {"math_correctness": 1.0}, "status": "ok", "finish_reason": "stop", "completion_tokens": 10},
        {"id": "a", "reward": 0.0, "components": {"math_correctness": 0.0}, "status": "ok", "finish_reason": "length", "completion_tokens": 30},
        {"id": "b", "reward": 0.0, "components": {"math_correctness": 0.0}, "status": "unparseable", "finish_reason": "stop", "completion_tokens": 20},
        {"id": "b", "reward": None, "components": {}, "status": "error", "finish_reason": "stop", "completion_tokens": 20},
    ]
    m = domain_metrics(rows, [1, 2])
    assert m["accuracy"] == pytest.approx(0.25)  # a: 1/2, b: 0/1
    assert m["pass@2"] == pytest.approx(1.0)  # only prompt a has 2 samples and one is correct
    assert m["truncation_rate"] == 0.25 and m["unparseable_rate"] == 0.25 and m["error_rate"] == 0.25
    assert m["reward_mean"] == pytest.approx(1 / 3) and m["length_mean"] == 20


def _row(rid: str, comps: dict, **extra) -> dict:
    return {"id": rid, "reward": comps.get("code_tests", 0.0), "components": comps, "status": "ok",
            "finish_reason": "stop", "completion_tokens": 5, **extra}


def test_pass1_always_and_humaneval_subset():
    rows = [_row("humaneval-001", {"code_tests": 1.0}), _row("humaneval-001", {"code_tests": 0.0}),
            _row("humaneval-002", {"code_tests": 0.0}), _row("humaneval-002", {"code_tests": 0.0}),
            _row("code-eval-1", {"code_tests": 1.0}), _row("code-eval-1", {"code_tests": 1.0})]
    m = domain_metrics(rows, [2])
    assert m["pass@1"] == pytest.approx((0.5 + 0.0 + 1.0) / 3)  # pass@1 even though pass_k=[2]
    assert m["pass@2"] == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert m["humaneval_pass@1"] == pytest.approx(0.25)  # only the humaneval-* prompts
    assert "humaneval_pass@1" not in domain_metrics(rows[4:], [1])


def test_language_consistency_rate():
    rows = [_row(str(i), {"language_consistency": v}) for i, v in enumerate([1.0, 0.96, 0.5, 0.0])]
    rows.append(_row("x", {"language_consistency": None}))  # reward did not apply: ignored
    m = domain_metrics(rows, [1])
    assert m["language_consistency"] == pytest.approx(2.46 / 4)
    assert m["language_consistency_rate"] == pytest.approx(0.5)  # >= 0.95


def test_judge_criteria_and_flag_rate():
    guard = {"rubric_judge": {"guard": {"fired": ["override"]}, "status": "flagged"}}
    rows = [
        _row("w1", {"rubric_judge": 0.8, "rubric_judge/clarity": 0.6, "rubric_judge/accuracy": 1.0},
             info={"rubric_judge": {"reasoning": "ok"}}),
        _row("w2", {"rubric_judge": 0.4, "rubric_judge/clarity": 0.2, "rubric_judge/accuracy": 0.6}),
        _row("w3", {"rubric_judge": 0.0}, info=guard, status="flagged"),  # penalised: no per-criterion scores
        _row("w4", {"rubric_judge": None, "rubric_judge/clarity": None}),
    ]
    m = domain_metrics(rows, [1])
    assert m["rubric_judge"] == pytest.approx(0.4)
    assert m["rubric_judge/clarity"] == pytest.approx(0.4) and m["rubric_judge/accuracy"] == pytest.approx(0.8)
    assert m["judge_flagged_rate"] == 0.25 and m["flagged_rate"] == 0.25
    assert "pass@1" not in m and "accuracy" not in m  # no correctness component
    assert "judge_flagged_rate" not in domain_metrics([_row("c", {"code_tests": 1.0})], [1])


def test_headline():
    assert headline({"pass@1": 0.2, "accuracy": 0.3, "reward_mean": 0.1}) == "pass@1"
    assert headline({"rubric_judge": 0.5, "reward_mean": 0.1}) == "rubric_judge"
    assert headline({"reward_mean": 0.1}) == "reward_mean"
    assert headline({}) is None
    assert domain_metrics([], [1]) == {}


def test_n_and_confidence_intervals():
    rows = [_row(f"p{i // 2}", {"code_tests": float(i % 4 == 0)}, finish_reason="length" if i == 0 else "stop")
            for i in range(8)]  # 4 prompts x 2 samples; p0 and p2 half right
    m = domain_metrics(rows, [1, 2], seed=0)
    assert m["n_prompts"] == 4 and m["n_samples"] == 8 and m["n"] == 8
    for name in ("pass@1", "pass@2", "accuracy", "reward_mean"):
        lo, hi = m[name + "_ci"]
        assert 0.0 <= lo <= m[name] <= hi <= 1.0, name
    assert m["pass@1_ci"] == domain_metrics(rows, [1, 2], seed=0)["pass@1_ci"]  # seeded
    lo, hi = m["truncation_rate_ci"]  # Wilson over samples
    assert m["truncation_rate"] == 1 / 8 and 0.0 < lo < 1 / 8 < hi < 0.6


def test_correctness_is_separate_from_the_training_reward():
    """Reward hacking: the shaping terms pay (format 1.0, length 1.0) while every answer is wrong, so
    the weighted reward is high and pass@1 is 0; pass@k never reads the weighted reward."""
    rows = [{"id": f"m{i}", "reward": 1.5, "status": "ok", "finish_reason": "stop", "completion_tokens": 8,
             "components": {"math_correctness": 0.0, "format": 1.0, "length_penalty": 1.0}} for i in range(6)]
    m = domain_metrics(rows, [1])
    assert m["reward_mean"] == 1.5 and m["pass@1"] == 0.0 and m["pass@1_ci"] == [0.0, 0.0]
    assert m["reward_mean_ci"] == [1.5, 1.5] and m["format"] == 1.0
    stats = prompt_stats(rows, [1])
    assert stats["pass@1"] == {f"m{i}": (0.0, 1.0) for i in range(6)}
    assert stats["reward_mean"]["m0"] == (1.5, 1.0)
