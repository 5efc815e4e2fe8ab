"""`posttrain run` on a real local Ray runtime with a tiny local model: manifests, resume, rerun on change."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]


def _run(cfg: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(cfg), "--output", str(out), *extra],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def test_run_writes_manifests_and_resumes(tiny_model, tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({
        "model": str(tiny_model), "domains": ["math", "logic"], "stages": ["eval"],
        "rollout": {"backend": "vllm", "max_tokens": 16, "max_model_len": 512},
        "data": {"math": {"eval_size": 3}, "logic": {"eval_size": 3}},
        "eval": {"samples": 2, "pass_k": [1, 2]}, "resources": {"eval": {"num_cpus": 1}}}))
    out = tmp_path / "run"
    first = _run(cfg, out)
    assert first.returncode == 0, first.stderr[-3000:]
    manifest = json.loads((out / "eval" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["config_hash"]
    metrics = json.loads((out / "eval" / "metrics.json").read_text())["models"]["base"]
    assert set(metrics) == {"math", "logic"} and metrics["math"]["n"] == 6
    samples = (out / "eval" / "samples.jsonl").read_text().splitlines()
    assert len(samples) == 12

    second = _run(cfg, out)
    assert second.returncode == 0 and "skipping" in second.stdout
    assert json.loads((out / "eval" / "manifest.json").read_text())["finished"] == manifest["finished"]

    third = _run(cfg, out, "eval.samples=1", "eval.pass_k=[1]")
    assert third.returncode == 0, third.stderr[-3000:]
    assert json.loads((out / "eval" / "manifest.json").read_text())["config_hash"] != manifest["config_hash"]
    assert len((out / "eval" / "samples.jsonl").read_text().splitlines()) == 6
