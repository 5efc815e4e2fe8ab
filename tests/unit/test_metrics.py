from __future__ import annotations

import pytest

from pipeline.metrics import domain_metrics, pass_at_k


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
