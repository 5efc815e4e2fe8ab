"""bench/proof.py statistics: per-prompt correctness from eval samples, bootstrap CIs, paired
differences and the issue's three goals, on constructed eval rows with known answers.

    .venv/bin/python -m pytest -q tests/unit/bench/test_bench_proof.py -p no:cacheprovider
"""
from __future__ import annotations

import json

from bench.proof import goals, mode_following, paired, prompt_scores, summarize, thinking_rows


def _rows(model, domain, correct_by_prompt, key="math_correctness", mode="non_thinking"):
    out = []
    for i, hits in enumerate(correct_by_prompt):
        for k, ok in enumerate(hits):
            out.append({"model": model, "domain": domain, "id": f"{domain}-eval-{i:05d}", "sample_idx": k,
                        "mode": mode, "components": {key: 1.0 if ok else 0.0, "format": 1.0}})
    return out


def test_prompt_scores_use_correctness_not_the_shaped_reward():
    rows = _rows("base", "math", [[1, 0], [0, 0]]) + _rows("base", "logic", [[1, 1]], key="exact_match")
    rows.append({"model": "base", "domain": "writing", "id": "w", "components": {"rubric_judge": 0.9}})
    s = prompt_scores(rows)
    assert s["base"]["math"] == {"math-eval-00000": 0.5, "math-eval-00001": 0.0}
    assert s["base"]["logic"] == {"logic-eval-00000": 1.0} and "writing" not in s["base"]


def _seed(base, expert, sft, mixed, n=40):
    rows = []
    for model, rate in (("base", base), ("expert:math", expert), ("sft", sft), ("mixed", mixed)):
        hits = int(rate * n)
        rows += _rows(model, "math", [[i < hits] for i in range(n)])
    return prompt_scores(rows)


def test_paired_difference_and_ci_on_known_data():
    per_seed = {0: _seed(0.1, 0.6, 0.4, 0.4), 1: _seed(0.1, 0.5, 0.4, 0.45)}
    d = paired(per_seed, "expert:math", "base", "math", reps=500)
    assert d["mean"] == 0.45 and d["n"] == 80 and d["per_seed"] == {"0": 0.5, "1": 0.4}
    assert 0 < d["ci95"][0] <= 0.45 <= d["ci95"][1] and d["ci_above_0"]
    same = paired(per_seed, "sft", "sft", "math", reps=200)
    assert same["mean"] == 0.0 and same["ci95"] == [0.0, 0.0] and not same["ci_above_0"]


def test_goals_met_and_missed():
    met = summarize({0: _seed(0.1, 0.6, 0.4, 0.4), 1: _seed(0.1, 0.6, 0.45, 0.45)}, reps=300)
    g = met["goals"]
    assert g["expert_beats_base"] == {"math": True}
    assert g["sft_recovers_half"]["math"]["met"] and g["sft_recovers_half"]["math"]["kept_share"] == 0.65  # (0.425 - 0.1) / 0.5
    assert g["mixed_keeps_95pct_of_sft"] == {"math": True}
    assert g["mixed_keeps_95pct_of_gain"]["math"] == {"kept_share": 0.65, "met": False}
    assert g["mixed_beats_base_on_domains"] == 1 and not g["mixed_beats_base_on_two"]  # one domain only
    s = met["domains"]["math"]["scores"]["base"]
    assert s["mean"] == 0.1 and s["ci95"][0] <= 0.1 <= s["ci95"][1]

    missed = goals(summarize({0: _seed(0.1, 0.3, 0.12, 0.05)}, reps=300)["domains"])
    assert not missed["sft_recovers_half"]["math"]["met"] and missed["mixed_keeps_95pct_of_sft"] == {"math": False}

    no_gain = goals(summarize({0: _seed(0.1, 0.1, 0.5, 0.5)}, reps=300)["domains"])
    assert no_gain["expert_beats_base"] == {"math": False} and no_gain["sft_recovers_half"] == {}  # no gain to keep


def test_each_eval_mode_is_its_own_domain_key_scored_against_the_expert():
    rows = _rows("base", "math", [[0], [0]], mode="thinking") + _rows("expert:math", "math", [[1], [1]], mode="thinking")
    rows += _rows("base", "math", [[1], [0]])
    s = prompt_scores(rows)
    assert s["base"]["math@thinking"] == {"math-eval-00000": 0.0, "math-eval-00001": 0.0}
    assert s["base"]["math"] == {"math-eval-00000": 1.0, "math-eval-00001": 0.0}
    g = summarize({0: s}, reps=100)["goals"]
    assert set(g["expert_beats_base"]) == {"math@thinking"}  # the non-thinking key has no expert rows here


def test_thinking_rows_from_distill_manifests(tmp_path):
    for seed, (think, plain) in enumerate([(3, 9), (5, 7)]):
        (tmp_path / f"seed{seed}" / "distill").mkdir(parents=True)
        groups = {"math/thinking": {"kept": think}, "math/non_thinking": {"kept": plain},
                  "logic/non_thinking": {"kept": 4}}
        (tmp_path / f"seed{seed}" / "distill" / "manifest.json").write_text(json.dumps({"metrics": {"by_group": groups}}))
    t = thinking_rows([tmp_path / "seed0", tmp_path / "seed1", tmp_path / "missing"])
    assert t["math"] == {"thinking": 8, "kept": 24, "share": 0.333, "met": True}
    assert t["logic"] == {"thinking": 0, "kept": 8, "share": 0.0, "met": False}


def test_mode_following_per_model_and_mode():
    rows = [{"model": "sft", "mode": "thinking", "completion": "<think>\nadd\n</think>\n5"},
            {"model": "sft", "mode": "thinking", "completion": "<think>\nadd and stop"},
            {"model": "sft", "mode": "non_thinking", "completion": "5"},
            {"model": "sft", "mode": "non_thinking", "completion": "<think>x</think> 5"}]
    m = mode_following(rows)["sft"]
    assert m["thinking"]["rate"] == 0.5 and m["non_thinking"]["rate"] == 0.5 and m["thinking"]["n"] == 2
    assert 0 < m["thinking"]["ci95"][0] < 0.5 < m["thinking"]["ci95"][1]
