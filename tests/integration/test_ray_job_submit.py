"""`ray job submit --working-dir . -- posttrain run CONFIG` against a real Ray head on loopback:
the job attaches to the cluster (RAY_ADDRESS set by Ray), runs the stages and writes the run dir."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_cluster(temp: Path) -> None:
    """Kill only this head's processes (their command lines name its temp dir); `ray stop` would
    stop every Ray on the machine."""
    import signal
    import time

    def ours() -> list[int]:
        pids = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and str(temp).encode() in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
        return pids

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in ours():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + 10
        while ours() and time.time() < deadline:
            time.sleep(0.2)


@pytest.fixture
def ray_head():
    """A fresh loopback-only head on free ports (a fixed port may be held by another Ray on the box),
    with token auth off explicitly on both sides (an inherited RAY_AUTH_MODE would split them)."""
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled",
           "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    env.pop("RAY_ADDRESS", None)
    ray = str(VENV_BIN / "ray")
    temp = Path(tempfile.mkdtemp(prefix="rj", dir="/tmp"))  # AF_UNIX socket paths under it must stay < 108 bytes
    # every port on a free one: the job agent's default (52365) is taken while another Ray runs on the box (a
    # `posttrain run`), and the head then starts without a job agent ("No available agent to submit job")
    gcs, dashboard, agent = _free_port(), _free_port(), _free_port()
    subprocess.run([ray, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={gcs}", "--num-cpus=2",
                    "--dashboard-host=127.0.0.1", f"--dashboard-port={dashboard}", "--include-dashboard=true",
                    f"--dashboard-agent-listen-port={agent}",
                    f"--temp-dir={temp}", "--disable-usage-stats"], env=env, check=True, capture_output=True, timeout=120)
    try:
        yield env, f"http://127.0.0.1:{dashboard}"
    finally:
        _stop_cluster(temp)
        shutil.rmtree(temp, ignore_errors=True)


def test_ray_job_submit_runs_the_pipeline(ray_head, tiny_model, tmp_path):
    env, address = ray_head
    cfg = tmp_path / "job.yaml"
    out = tmp_path / "run"
    cfg.write_text(yaml.safe_dump({
        "model": str(tiny_model), "domains": ["logic"], "stages": ["eval"],
        "rollout": {"backend": "vllm", "max_tokens": 8, "max_model_len": 512},
        "data": {"logic": {"eval_size": 2}}, "eval": {"samples": 1}, "resources": {"eval": {"num_cpus": 1}}}))
    job = subprocess.run([str(VENV_BIN / "ray"), "job", "submit", "--address", address, "--working-dir", str(ROOT), "--",
                          "posttrain", "run", str(cfg), "--output", str(out)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert job.returncode == 0, (job.stdout + job.stderr)[-4000:]
    assert "attaching to Ray cluster" in job.stdout + job.stderr
    manifest = json.loads((out / "eval" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert "logic" in json.loads((out / "eval" / "metrics.json").read_text())["models"]["base"]
