"""Exact resume of asynchronous GRPO: ``posttrain stage expert:math`` killed with SIGKILL at two different
moments, then rerun with the same command, trains every step's drawn rows exactly once (none twice, none
lost, the same rows per step as an uninterrupted run) and never a batch older than max_staleness.

Moment 1: mid-training, after the step-4 checkpoint, with step 5 trained (and lost with the process) and
step 6's batch being generated ahead. Moment 2: the resumed run's first step taken from the queue (the
ledger cut to the checkpoint), before it is trained. The batches.jsonl ledger is the record of what the
policy was trained on (pipeline/train/async_grpo.py).

    timeout 900 .venv/bin/python -m pytest -q tests/integration/test_async_resume.py -p no:cacheprovider
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
STEPS = 8


def _config(tiny_model, path: Path) -> Path:
    path.write_text(yaml.safe_dump({
        "model": str(tiny_model), "domains": ["math"], "seed": 0,
        "rollout": {"backend": "vllm", "max_tokens": 8, "max_model_len": 512},
        "experts": {"math": {"steps": STEPS, "group_size": 2, "prompts_per_step": 2, "mode": "non_thinking",
                             "max_tokens": 8, "dynamic_sampling": {"enabled": False}}},
        "grpo": {"async": {"enabled": True, "max_staleness": 1}},
        "data": {"math": {"train_size": 32, "eval_size": 2}}, "logging": {"report_to": []}}))
    return path


def _start(cfg: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    log = open(cfg.parent / f"stage-{time.time_ns()}.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "stage", "expert:math", str(cfg), "--output", str(out)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    proc.log = log
    return proc


def _output(proc: subprocess.Popen) -> str:
    proc.log.seek(0)
    return proc.log.read()[-3000:]


def _ledger(out: Path) -> list[dict]:
    path = out / "expert_math" / "batches.jsonl"
    try:
        return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    except (FileNotFoundError, json.JSONDecodeError):
        return []


def _kill_when(proc: subprocess.Popen, pred, timeout: float = 400) -> None:
    end = time.time() + timeout
    while not pred():
        assert proc.poll() is None, f"the run ended before the kill point:\n{_output(proc)}"
        assert time.time() < end, f"timed out waiting for the kill point:\n{_output(proc)}"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _checkpoint(out: Path, step: int) -> bool:
    return (out / "expert_math" / "trainer" / f"checkpoint-{step}" / "trainer_state.json").exists()


def test_killed_async_stage_resumes_exactly(tiny_model, tmp_path):
    cfg = _config(tiny_model, tmp_path / "c.yaml")
    ref, out = tmp_path / "ref", tmp_path / "run"
    proc = _start(cfg, ref)
    assert proc.wait(timeout=600) == 0, _output(proc)
    expected = _ledger(ref)
    assert [r["step"] for r in expected] == list(range(STEPS))

    # moment 1: step 5 trained after the step-4 checkpoint, step 6 taken from the queue, 7 generating ahead
    proc = _start(cfg, out)
    _kill_when(proc, lambda: _checkpoint(out, 4) and len(_ledger(out)) >= 7)
    assert [r["step"] for r in _ledger(out)][:7] == list(range(7))

    # moment 2: the rerun cut the ledger to the checkpoint and took step 4 again, not yet trained
    proc = _start(cfg, out)
    _kill_when(proc, lambda: [r["step"] for r in _ledger(out)] == list(range(5)))

    proc = _start(cfg, out)
    assert proc.wait(timeout=600) == 0, _output(proc)
    got = _ledger(out)
    assert [r["step"] for r in got] == list(range(STEPS))  # every step once: none twice, none lost
    assert [r["drawn"] for r in got] == [r["drawn"] for r in expected]  # the same rows as the uninterrupted run
    assert all(r["staleness"] <= 1 for r in got)
    assert got[4]["staleness"] == 0  # the resumed run's first batch: generated from the restored policy
    manifest = json.loads((out / "expert_math" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["metrics"]["global_step"] == STEPS
    assert manifest["metrics"]["resumed_from"].endswith("checkpoint-4")
