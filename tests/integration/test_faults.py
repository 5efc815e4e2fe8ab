"""Failures on a real local Ray runtime: a stage worker killed mid-training is retried by Ray and
resumes from its last checkpoint; a driver killed with SIGKILL is rerun with the same command
and finishes without redoing complete stages or duplicating training steps."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]


def _config(tiny_model, path: Path, steps: int) -> Path:
    path.write_text(yaml.safe_dump({
        "model": str(tiny_model), "domains": ["math"], "stages": ["expert", "eval"], "seed": 0,
        "rollout": {"backend": "vllm", "max_tokens": 8, "max_model_len": 512},
        "experts": {"math": {"steps": steps, "group_size": 2, "mode": "non_thinking", "max_tokens": 8}},
        "data": {"math": {"train_size": 8, "eval_size": 2}}, "eval": {"samples": 1},
        "resources": {"expert": {"num_cpus": 1}, "eval": {"num_cpus": 1}}, "ray": {"max_retries": 2},
        "logging": {"report_to": []}}))
    return path


def _start(cfg: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    env.pop("RAY_ADDRESS", None)
    log = open(cfg.parent / f"driver-{time.time_ns()}.log", "w+")  # a file, not a pipe: a full pipe would block the driver
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(cfg), "--output", str(out)], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    proc.log = log
    return proc


def _output(proc: subprocess.Popen) -> str:
    proc.log.seek(0)
    return proc.log.read()[-3000:]


def _wait_for(pred, proc: subprocess.Popen, timeout: float = 300) -> None:
    end = time.time() + timeout
    while not pred():
        assert proc.poll() is None, f"run ended before the fault point:\n{_output(proc)}"
        assert time.time() < end, "timed out waiting for the fault point"
        time.sleep(0.1)


def _manifest(out: Path, stage: str) -> dict:
    try:
        return json.loads((out / stage.replace(":", "_") / "manifest.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _steps(out: Path) -> list[int]:
    lines = (out / "expert_math" / "train_log.jsonl").read_text().splitlines()
    return [json.loads(x)["step"] for x in lines if "reward" in json.loads(x)]


def _ckpt(out: Path) -> bool:
    return any((out / "expert_math" / "trainer").glob("checkpoint-*/trainer_state.json"))


def test_killed_worker_is_retried_and_resumes(tiny_model, tmp_path):
    out = tmp_path / "run"
    proc = _start(_config(tiny_model, tmp_path / "c.yaml", steps=40), out)
    _wait_for(lambda: _ckpt(out) and _manifest(out, "expert:math").get("pid"), proc)
    worker = _manifest(out, "expert:math")["pid"]
    assert worker != proc.pid
    os.kill(worker, signal.SIGKILL)  # the Ray worker running the stage dies mid-training
    assert proc.wait(timeout=600) == 0, _output(proc)
    m = _manifest(out, "expert:math")
    assert m["status"] == "complete" and m["attempt"] == 2 and m["metrics"]["global_step"] == 40
    steps = _steps(out)
    assert steps == sorted(set(steps)) and steps[-1] == 40  # no step logged twice
    assert steps[0] == 1 and len(steps) == 40
    assert _manifest(out, "eval")["status"] == "complete"


def test_killed_driver_rerun_finishes_without_redoing_stages(tiny_model, tmp_path):
    out = tmp_path / "run"
    cfg = _config(tiny_model, tmp_path / "c.yaml", steps=2)
    proc = _start(cfg, out)
    _wait_for(lambda: _manifest(out, "expert:math").get("status") == "complete" and _manifest(out, "eval"), proc)
    os.killpg(proc.pid, signal.SIGKILL)  # driver (and its embedded Ray) killed mid-run
    proc.wait()
    finished = _manifest(out, "expert:math")["finished"]
    rerun = _start(cfg, out)
    assert rerun.wait(timeout=600) == 0, _output(rerun)
    assert _manifest(out, "expert:math")["finished"] == finished  # not redone
    assert _manifest(out, "eval")["status"] == "complete"
    assert _steps(out) == [1, 2]
    rows = (out / "eval" / "samples.jsonl").read_text().splitlines()
    assert len(rows) == len({(json.loads(r)["model"], json.loads(r)["id"]) for r in rows})  # no duplicates
