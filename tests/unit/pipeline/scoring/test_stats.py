"""Confidence intervals and paired differences (pipeline/scoring/stats.py, compare.py): coverage,
sign, the significance rule and seeded determinism, on synthetic per-prompt data."""
from __future__ import annotations

import random

import pytest

from pipeline.scoring.compare import compare_models, comparison_pairs
from pipeline.scoring.stats import bootstrap_ci, estimate, paired_diff, significant, sub_seed, wilson


def _bernoulli(p: float, n: int, rng: random.Random) -> dict[str, tuple[float, float]]:
    return {f"q{i}": (1.0 if rng.random() < p else 0.0, 1.0) for i in range(n)}


def test_bootstrap_ci_covers_the_true_mean():
    rng, covered, trials = random.Random(0), 0, 300
    for t in range(trials):
        lo, hi = bootstrap_ci(_bernoulli(0.3, 40, rng), seed=t, n_boot=400)
        covered += lo <= 0.3 <= hi
    assert 0.88 <= covered / trials <= 0.99  # nominal 95%; the percentile bootstrap runs a little under at n=40


def test_estimate_pools_samples_and_ci_contains_it():
    per_prompt = {"a": (3.0, 4.0), "b": (0.0, 2.0), "c": (2.0, 2.0)}  # 5 of 8 samples
    assert estimate(per_prompt) == pytest.approx(5 / 8)
    lo, hi = bootstrap_ci(per_prompt, seed=0)
    assert 0.0 <= lo <= 5 / 8 <= hi <= 1.0
    assert bootstrap_ci({"a": (1.0, 1.0)}, seed=0) == (1.0, 1.0)  # one prompt: no spread to resample
    assert bootstrap_ci({}, seed=0) is None and estimate({}) is None


def test_seeded_determinism():
    rng = random.Random(1)
    data = {f"q{i}": (rng.random(), 1.0) for i in range(30)}
    assert bootstrap_ci(data, seed=7) == bootstrap_ci(data, seed=7)
    assert bootstrap_ci(data, seed=7) != bootstrap_ci(data, seed=8)
    other = _bernoulli(0.5, 30, rng)
    assert paired_diff(data, other, seed=3) == paired_diff(data, other, seed=3)
    assert sub_seed(0, "math", "pass@1") == sub_seed(0, "math", "pass@1") != sub_seed(0, "logic", "pass@1")


def test_paired_diff_sign_and_significance():
    rng = random.Random(0)
    base = {f"q{i}": (rng.random(), 1.0) for i in range(30)}
    better = {k: (min(1.0, s + 0.2), c) for k, (s, c) in base.items()}
    up, down = paired_diff(better, base, seed=0), paired_diff(base, better, seed=0)
    assert up.diff > 0 and up.significant and up.ci[0] > 0 and up.n_prompts == 30
    assert down.diff == pytest.approx(-up.diff) and down.significant and down.ci[1] < 0
    same = paired_diff(base, base, seed=0)
    assert same.diff == 0 and same.ci == (0.0, 0.0) and not same.significant
    assert paired_diff({"a": (1.0, 1.0)}, {"b": (0.0, 1.0)}, seed=0) is None  # no shared prompt


def test_pairing_removes_prompt_difficulty():
    """A small uniform gain over prompts of very different difficulty: the unpaired CIs overlap,
    the paired difference is clearly significant."""
    rng = random.Random(0)
    hard_easy = {f"q{i}": (rng.choice([0.05, 0.95]) + rng.uniform(-0.04, 0.04), 1.0) for i in range(40)}
    gain = {k: (s + 0.03, c) for k, (s, c) in hard_easy.items()}
    lo_a, hi_a = bootstrap_ci(hard_easy, seed=0)
    lo_b, hi_b = bootstrap_ci(gain, seed=0)
    assert lo_b < hi_a  # overlapping marginal intervals
    d = paired_diff(gain, hard_easy, seed=0)
    assert d.significant and d.ci[0] == pytest.approx(0.03) and d.diff == pytest.approx(0.03)


def test_only_shared_prompts_are_paired():
    a = {"q1": (1.0, 1.0), "q2": (1.0, 1.0), "q3": (0.0, 1.0)}
    b = {"q1": (0.0, 1.0), "q2": (0.0, 1.0), "q4": (1.0, 1.0)}
    d = paired_diff(a, b, seed=0)
    assert d.n_prompts == 2 and d.diff == 1.0


@pytest.mark.parametrize("ci,expected", [((0.01, 0.2), True), ((-0.3, -0.01), True), ((-0.1, 0.2), False),
                                         ((0.0, 0.3), False), ((-0.2, 0.0), False), ((0.0, 0.0), False), (None, False)])
def test_significance_rule(ci, expected):
    assert significant(ci) is expected


def test_wilson():
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10)[1] == 1.0 and wilson(3, 0) is None


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ci({"a": (1.0, 1.0)}, seed=0, n_boot=0)
    with pytest.raises(ValueError, match="level"):
        paired_diff({"a": (1.0, 1.0)}, {"a": (1.0, 1.0)}, seed=0, level=1.5)


def test_comparison_pairs_and_rows():
    models = ["base", "expert:math", "expert:logic", "sft", "mixed"]
    pairs = comparison_pairs(models)
    assert pairs[:4] == [("expert:logic", "base"), ("expert:math", "base"), ("sft", "expert:logic"), ("sft", "expert:math")]
    assert ("mixed", "sft") in pairs and ("mixed", "expert:math") in pairs and ("base", "sft") not in pairs
    assert comparison_pairs(["base", "sft"]) == [("sft", "base")]

    correct = {f"q{i}": (1.0, 1.0) for i in range(20)}
    wrong = {f"q{i}": (0.0, 1.0) for i in range(20)}
    half = {f"q{i}": (0.5, 1.0) for i in range(20)}
    stats = {"base": {"math": {"pass@1": wrong, "reward_mean": half}},
             "expert:math": {"math": {"pass@1": correct, "reward_mean": half}}}
    rows = compare_models(stats, seed=0)
    assert [(r["a"], r["b"], r["metric"]) for r in rows] == [("expert:math", "base", "pass@1"),
                                                            ("expert:math", "base", "reward_mean")]
    assert rows[0]["diff"] == 1.0 and rows[0]["significant"] and rows[0]["n_prompts"] == 20
    assert rows[1]["diff"] == 0.0 and not rows[1]["significant"]
