"""Distill stage with the embedded SmolLM2 generating real answers: rejection sampling writes
parquet shards the SFT loader accepts, a dataset card, and a run killed with SIGKILL mid-way
resumes to exactly the rows of an uninterrupted run. Bad generators fail before generating."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.config import parse_config
from pipeline.errors import ConfigError, InputError
from pipeline.run.manifest import read_manifest
from pipeline.run.orchestrator import run_single_stage
from pipeline.train.sft_data import distill_dataset_dir, load_distill

MODEL = "smollm2-135m-instruct"


def _raw(out: Path, **distill) -> dict:
    return {"model": MODEL, "seed": 0, "output_dir": str(out), "domains": ["logic"], "stages": ["distill"],
            "rollout": {"backend": "vllm", "max_tokens": 48, "max_model_len": 1024, "kv_cache_gb": 1},
            "data": {"logic": {"train_size": 6, "eval_size": 2}},
            "distill": {"modes": ["thinking", "non_thinking"], "prompts_per_domain": 6, "samples_per_prompt": 2,
                        "keep_per_prompt": 1, "min_reward": 0.0, "min_language_consistency": 0.5, "shard_size": 2,
                        **distill},
            "logging": {"report_to": []}}


def _rows(run: Path) -> list[dict]:
    data = run / "distill" / "data"
    return sorted((r for f in sorted(data.glob("*.parquet")) for r in pq.read_table(f).to_pylist()),
                  key=lambda r: (r["mode"], r["source_id"]))


def test_distill_writes_filtered_shards_and_card(tmp_path):
    run = tmp_path / "run"
    assert run_single_stage(parse_config(_raw(run)), "distill") == 0
    m = read_manifest(run, "distill")
    assert m["status"] == "complete"
    rows = _rows(run)
    shards = json.loads((run / "distill" / "shards.json").read_text())
    assert len(shards) == 6 and sum(s["generated"] for s in shards.values()) == 6 * 2 * 2
    assert sum(s["rows"] for s in shards.values()) == len(rows) == m["metrics"]["kept"] > 0
    for r in rows:
        assert r["messages"][0]["role"] == "system" and r["messages"][1]["role"] == "user"
        assert r["messages"][-1]["role"] == "assistant" and r["messages"][-1]["content"].strip()
        assert r["domain"] == "logic" and r["expert"] == "base" and len(r["config_hash"]) == 16
        assert "exact_match" in json.loads(r["components"])
        if r["mode"] == "thinking":  # only well-formed, untruncated thinking survives
            assert r["messages"][-1]["content"].startswith("<think>") and "</think>" in r["messages"][-1]["content"]
    assert len({(r["source_id"], r["mode"]) for r in rows}) == len(rows)  # keep_per_prompt=1
    rejected = {k for s in shards.values() for k in s["rejected"]}
    assert rejected & {"truncated", "malformed_thinking"}  # 48 tokens is short for a thinking answer
    card = (run / "distill" / "data" / "README.md").read_text()
    assert "| logic/non_thinking | base |" in card and "acceptance" in card
    ds = load_distill(distill_dataset_dir(run))  # the SFT stage's loader accepts it
    assert len(ds) == len(rows)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """An uninterrupted one-engine run of six one-prompt shards: the reference the others must equal."""
    out = tmp_path_factory.mktemp("distill") / "clean"
    assert run_single_stage(parse_config(_raw(out, modes=["non_thinking"], shard_size=1)), "distill") == 0
    return out


def test_distill_fans_out_over_engine_actors(clean, tmp_path):
    import ray

    run = tmp_path / "fanout"
    try:
        assert run_single_stage(parse_config(_raw(run, modes=["non_thinking"], shard_size=1, workers=2)), "distill") == 0
    finally:
        ray.shutdown()
    shards = json.loads((run / "distill" / "shards.json").read_text())
    assert sorted(shards) == sorted(json.loads((clean / "distill" / "shards.json").read_text()))
    assert {s["engine"] for s in shards.values()} == {0, 1}  # both engine actors took shards from the queue
    assert all(s["generated"] == 2 for s in shards.values())
    rows = _rows(run)
    assert len(rows) == sum(s["rows"] for s in shards.values()) > 0
    assert len({r["source_id"] for r in rows}) == len(rows)  # keep_per_prompt=1: none twice


def test_distill_killed_midway_resumes_without_loss_or_duplicates(clean, tmp_path):
    run = tmp_path / "killed"
    cfg_file = tmp_path / "distill.yaml"
    cfg_file.write_text(yaml.safe_dump(_raw(run, modes=["non_thinking"], shard_size=1)))
    cmd = [sys.executable, "-m", "pipeline.cli", "stage", "distill", str(cfg_file)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    shards = run / "distill" / "shards.json"
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if shards.exists() and 1 <= len(json.loads(shards.read_text())) < 6:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(json.loads(shards.read_text()))
    assert 1 <= done_before < 6
    assert subprocess.run(cmd, capture_output=True, timeout=600).returncode == 0
    assert len(json.loads(shards.read_text())) == 6
    assert _rows(run) == _rows(clean)  # seeded per shard: same rows, none lost, none twice


def test_distill_bad_generators_fail_before_generation(tmp_path):
    raw = _raw(tmp_path / "run")
    raw["experts"] = {"logic": {"steps": 1}}  # the default generator is then expert:logic, which was never trained
    with pytest.raises(InputError, match="expert:logic"):
        run_single_stage(parse_config(raw), "distill")
    assert not list((tmp_path / "run" / "distill").glob("data/*.parquet"))
    with pytest.raises(ConfigError, match="distill.mode_experts.thinking"):
        parse_config({**raw, "distill": {**raw["distill"], "mode_experts": {"thinking": "expert:math"}}})
    raw["data"]["logic"]["train_size"] = 0
    with pytest.raises((InputError, ConfigError), match="logic"):
        run_single_stage(parse_config({**raw, "experts": {}}), "distill")
