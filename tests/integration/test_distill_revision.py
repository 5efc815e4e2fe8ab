"""Distill with the constitutional penalty and self-critique revision on, everything real: the
embedded SmolLM2 generates, judges each sample against the constitution's principles (in-process
vLLM judge, guided decoding) and critiques/revises the rejected ones. Checks the plumbing (the
135M judge is too weak for its verdicts to be asserted): penalty and task parts in the components,
revised rows pass the filters, the card counts revisions, and a shard redone after a kill matches."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import parse_config
from pipeline.run.orchestrator import run_single_stage

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]  # ~1 min idle; far more on a loaded machine


def _cfg(out: Path):
    return parse_config({
        "model": "smollm2-135m-instruct", "seed": 0, "output_dir": str(out), "domains": ["logic"], "stages": ["distill"],
        "rollout": {"backend": "vllm", "max_tokens": 40, "max_model_len": 1536, "kv_cache_gb": 1},
        "rewards": {"logic": [{"name": "exact_match"}, {"name": "constitution_penalty", "penalty": 0.2,
                                                       "params": {"principles": ["helpful", "harmless"]}}]},
        "judge": {"max_tokens": 80},
        "data": {"logic": {"train_size": 2, "eval_size": 1}},
        "distill": {"modes": ["non_thinking"], "prompts_per_domain": 2, "samples_per_prompt": 1, "keep_per_prompt": 1,
                    "min_reward": 1.0, "min_language_consistency": 0.0, "shard_size": 1,
                    "revision": {"enabled": True, "max_tokens": 64}},
        "logging": {"report_to": []}})


def _rows(run: Path) -> list[dict]:
    return sorted((r for f in sorted((run / "distill" / "data").glob("*.parquet")) for r in pq.read_table(f).to_pylist()),
                  key=lambda r: (r["source_id"], r["revised"]))


def test_penalty_and_revision_plumbing_and_resume(tmp_path):
    run = tmp_path / "run"
    assert run_single_stage(_cfg(run), "distill") == 0
    shards = json.loads((run / "distill" / "shards.json").read_text())
    revs = [s["revisions"] for s in shards.values()]
    attempted, kept = sum(r["attempted"] for r in revs), sum(r["kept"] for r in revs)
    assert attempted > 0 and all(s["originals"] + s["revisions"]["kept"] == s["rows"] for s in shards.values())
    rows = _rows(run)
    for r in rows:
        comps = json.loads(r["components"])
        assert comps["exact_match"] == 1.0  # originals and revisions alike passed the filters
        if comps.get("constitution_penalty") is not None:
            assert comps["reward/penalty"] == pytest.approx(0.2 * comps["constitution_penalty"])
            assert r["reward"] == pytest.approx(comps["reward/task"] - comps["reward/penalty"])
            assert {"constitution_penalty/helpful", "constitution_penalty/harmless"} <= set(comps)
        assert r["revised"] == bool(r["revision_principle"])
    assert sum(r["revised"] for r in rows) == kept
    card = (run / "distill" / "data" / "README.md").read_text()
    assert "Self-critique revision" in card and f"| logic/non_thinking | {len(rows) - kept} | {attempted} | {kept} |" in card
    print(f"\nrevision: attempted {attempted}, kept {kept}, rows {len(rows)}")

    kill_after_first_shard(run, shards)
    assert run_single_stage(_cfg(run), "distill") == 0
    assert "(1 already done)" in (run / "distill" / "stage.log").read_text()  # resumed, not redone from scratch
    again = json.loads((run / "distill" / "shards.json").read_text())
    assert again == shards and _rows(run) == rows  # the redone shard revised exactly as before


def kill_after_first_shard(run: Path, shards: dict) -> None:
    """What SIGKILL leaves after the first shard: its record only, the stage manifest still running."""
    first = sorted(shards)[0]
    (run / "distill" / "shards.json").write_text(json.dumps({first: shards[first]}))
    manifest = json.loads((run / "distill" / "manifest.json").read_text())
    (run / "distill" / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
