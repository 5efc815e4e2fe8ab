"""`posttrain run` on the tiny model prints progress, one line per stage and the report path; the
engines' own output (vLLM's config dump, its preload and kernel warnings) goes to the stage log."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
ENGINE_NOISE = ("Initializing a V1 LLM engine", "non-default args", "is not found in LD_PRELOAD",
                "CPU backend doesn't allow", "Loading weights", "Automatically detected platform")


def _run(cfg: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
           "COLUMNS": "60"}
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *extra, "run", str(cfg), "--output", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def test_console_shows_progress_and_summaries_engine_logs_go_to_stage_log(tiny_model, tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({
        "model": str(tiny_model), "domains": ["math", "logic"], "stages": ["eval", "report"],
        "rollout": {"backend": "vllm", "max_tokens": 8, "max_model_len": 512},
        "data": {"math": {"eval_size": 2}, "logic": {"eval_size": 2}},
        "eval": {"samples": 1, "pass_k": [1]}, "resources": {"eval": {"num_cpus": 1}}}))
    out = tmp_path / "run"
    proc = _run(cfg, out)
    console = proc.stdout + proc.stderr
    assert proc.returncode == 0, console[-3000:]
    for noise in ENGINE_NOISE:
        assert noise not in console, f"engine output {noise!r} reached the console:\n{console[-3000:]}"
    assert "eval: complete in" in proc.stdout and "report: complete in" in proc.stdout
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert lines[-1] == f"report: {out / 'report' / 'index.html'}"
    assert "…" not in proc.stdout, "a column of the final table was truncated"  # COLUMNS=60 is narrower
    assert "math" in proc.stdout and "logic" in proc.stdout and "base" in proc.stdout
    log = (out / "eval" / "stage.log").read_text()
    assert "Initializing a V1 LLM engine" in log or "non-default args" in log, log[-2000:]
    assert (out / "eval" / "metrics.json").is_file() and (out / "report" / "index.html").is_file()
