"""math_correctness against upstream test tables: Math-Verify's (gold, pred, expected) cases and
TRL's accuracy-reward cases, extracted as data into tests/data/ (sources and licences in their
headers). The agreement rates are kept as floors, so a change that loses agreement fails here.

Math-Verify's predictions are often bare expressions ("7,425,000", "$x \\geq 5$"). Our reward
only reads an explicit final answer (a box or a final-answer line), so a short one-line
prediction without one is given as "Final answer: <pred>" (the *anchored* rate, which measures
equivalence); the *raw* rate scores every prediction as written, where a bare expression is
``unparseable`` by design. Measured (2026-12-03, math-verify 0.9.0): anchored 251/268 = 0.937,
raw 135/268 = 0.504; TRL 13/16 = 0.8125, the 3 misses being golds in words ("forty two"),
which TRL skips (None) and we read as numbers (rewards/math_number_words.py, issue 30).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from rewards.math import MathCorrectness
from rewards.math_answers import predicted_items
from rewards.text import split_thinking

DATA = next(p for p in Path(__file__).resolve().parents if p.name == "tests") / "data"  # at any depth under tests/
MV_ANCHORED_FLOOR, MV_RAW_FLOOR, TRL_FLOOR = 0.93, 0.50, 0.81
# TRL skips a gold it cannot parse (None); we read a gold in words as a number (issue 30).
TRL_TEXT_GOLDS = {
    "tests/test_rewards.py::TestAccuracyReward::test_accuracy_reward_unparsable_gold[0]",
    "tests/test_rewards.py::TestAccuracyReward::test_accuracy_reward_unparsable_gold[1]",
    "tests/test_rewards.py::TestReasoningAccuracyReward::test_unparsable_gold_solution_yields_none_reward",
}


def _load(name: str) -> list[dict]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("#")]


def _anchored(pred: str) -> str:
    bare = predicted_items(split_thinking(pred)[1]) is None and "\n" not in pred.strip() and len(pred) <= 200
    return "Final answer: " + pred if bare else pred


def _agrees(result, expected) -> bool:
    return result.score == (None if expected is None else float(expected))


def test_math_verify_table_agreement():
    cases = _load("math_verify_cases.jsonl")
    assert len(cases) >= 250
    reward = MathCorrectness()
    rows = [{"id": c["source"], "answer": c["gold"], "completion": _anchored(c["pred"])} for c in cases]
    anchored = reward(rows)
    changed = [i for i, c in enumerate(cases) if rows[i]["completion"] != c["pred"]]
    raw = list(anchored)
    for i, r in zip(changed, reward([{"answer": cases[i]["gold"], "completion": cases[i]["pred"]} for i in changed])):
        assert r.status == "unparseable"  # no explicit answer as written
        raw[i] = r
    agree = [_agrees(r, c["expected"]) for r, c in zip(anchored, cases)]
    rate = sum(agree) / len(cases)
    misses = [(c["source"], c["expected"], r.score, r.info) for r, c, ok in zip(anchored, cases, agree) if not ok]
    assert rate >= MV_ANCHORED_FLOOR, f"anchored agreement {rate:.3f}; disagreements: {misses}"
    raw_rate = sum(_agrees(r, c["expected"]) for r, c in zip(raw, cases)) / len(cases)
    assert raw_rate >= MV_RAW_FLOOR, f"raw agreement {raw_rate:.3f}"
    assert not [m for m in misses if m[2] is None], "a math-verify gold was an error"


def test_trl_accuracy_table_agreement():
    cases = _load("trl_accuracy_cases.jsonl")
    reward = MathCorrectness()
    main = [c for c in cases if not c.get("options", {}).get("thread")]
    results = dict(zip((c["source"] for c in main),
                       reward([{"id": c["source"], "answer": c["gold"], "completion": c["completion"]} for c in main])))
    for c in cases:
        if c.get("options", {}).get("thread"):  # TRL checks this one from a worker thread
            out: list = []
            t = threading.Thread(target=lambda c=c: out.extend(reward([{"answer": c["gold"], "completion": c["completion"]}])))
            t.start()
            t.join(120)
            results[c["source"]] = out[0]
    misses = {c["source"] for c in cases if not _agrees(results[c["source"]], c["expected"])}
    rate = 1 - len(misses) / len(cases)
    assert rate >= TRL_FLOOR, f"TRL agreement {rate:.3f}; disagreements: {sorted(misses)}"
    assert misses <= TRL_TEXT_GOLDS, sorted(misses - TRL_TEXT_GOLDS)
    assert all(results[s].info["compared"] == "number words" for s in TRL_TEXT_GOLDS)
    assert [results[s].score for s in sorted(TRL_TEXT_GOLDS)] == [1.0, 1.0, 1.0]  # 42 = "forty two", 43 = "forty three"
