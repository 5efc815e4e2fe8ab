"""Distillation rejection rules, near-duplicate removal, keep-k and the shard store."""
from __future__ import annotations

import pytest

from pipeline.distill.filters import jaccard, quality, reject_reason, select, _shingles
from pipeline.distill.shards import ShardStore


def _row(**kw):
    base = {"id": "p1", "completion": "The answer is 4.", "finish_reason": "stop", "status": "ok", "completion_tokens": 5,
            "components": {"exact_match": 1.0, "language_consistency": 1.0}, "reward": 1.0, "format_ok": True}
    return {**base, **kw}


@pytest.mark.parametrize("row, reason", [
    (_row(), None),
    (_row(finish_reason="length"), "truncated"),
    (_row(status="unparseable"), "status:unparseable"),
    (_row(format_ok=False), "malformed_thinking"),
    (_row(components={"exact_match": 1.0, "language_consistency": 0.5}), "mixed_language"),
    (_row(components={"exact_match": 0.0}), "low_reward"),
    (_row(components={"math_correctness": 1.0, "code_tests": 0.0}), "low_reward"),  # every correctness part counts
    (_row(components={"rubric_judge": 0.9}), None),                                 # writing: judge score
    (_row(components={"rubric_judge": 0.4}), "low_reward"),
    (_row(components={}, reward=None), "low_reward"),
])
def test_reject_reason(row, reason):
    assert reject_reason(row, min_reward=0.8, min_language=0.8) == reason


def test_quality_prefers_correctness_over_judge_and_total():
    assert quality(_row(components={"exact_match": 0.0, "rubric_judge": 1.0}, reward=1.0)) == 0.0
    assert quality(_row(components={"rubric_judge": 0.7}, reward=0.1)) == 0.7
    assert quality(_row(components={"length_penalty": -0.2}, reward=0.3)) == 0.3


def test_select_keeps_shortest_and_drops_near_duplicates():
    long = "one two three four five six seven eight nine ten eleven twelve"
    rows = [_row(completion=long, completion_tokens=12, sample_idx=0),
            _row(completion=long + " thirteen", completion_tokens=13, sample_idx=1),   # near duplicate of 0
            _row(completion="  The   answer is 4. ", completion_tokens=6, sample_idx=2),
            _row(completion="The answer is 4.", completion_tokens=6, sample_idx=3),    # exact duplicate (whitespace)
            _row(completion="Completely different reasoning that reaches four", completion_tokens=9, sample_idx=4)]
    kept, dups = select(rows, keep=3, threshold=0.8)
    assert [r["sample_idx"] for r in kept] == [2, 4, 0]
    assert dups == 1  # sample 3; sample 1 was never reached (keep=3)
    kept, dups = select(rows, keep=5, threshold=0.8)
    assert [r["sample_idx"] for r in kept] == [2, 4, 0] and dups == 2


def test_shingles_and_jaccard():
    a = _shingles("a b c d e f")
    assert jaccard(a, a) == 1.0 and jaccard(a, _shingles("z y x w v u")) == 0.0
    assert _shingles("short text") == {("short", "text")}


def test_shard_store_resume_rules(tmp_path):
    store = ShardStore(tmp_path)
    row = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "domain": "logic",
           "mode": "non_thinking", "expert": "base", "source_id": "p1", "reward": 1.0, "components": "{}",
           "completion_tokens": 1, "config_hash": "h"}
    store.write("logic-non_thinking-0000", [row], {"generated": 2})
    store.write("logic-non_thinking-0001", [], {"generated": 2})
    again = ShardStore(tmp_path)
    assert again.is_done("logic-non_thinking-0000") and again.is_done("logic-non_thinking-0001")
    (tmp_path / "data" / "logic-non_thinking-0000.parquet").unlink()  # manifest entry without its file: redo
    assert not ShardStore(tmp_path).is_done("logic-non_thinking-0000")
    assert not again.is_done("logic-thinking-0000")
