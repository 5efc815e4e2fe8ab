"""Experiment tracking for real: a short mixed GRPO stage on the tiny model logs to a local MLflow
tracking server (started here on 127.0.0.1, a free port) and to wandb in offline mode, and the
per-domain (``domain/<d>/reward``) and per-reward-component (``domain/<d>/<reward>``,
``rewards/<reward>/mean``) metrics arrive in both.

Needs the ``test`` extra (mlflow-skinny + the server's deps, wandb), which scripts/setup.sh installs."""
from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

mlflow = pytest.importorskip("mlflow")
wandb = pytest.importorskip("wandb")

DOMAINS = ("math", "logic")
EXPECTED = {"domain/math/reward", "domain/logic/reward", "domain/math/math_correctness", "domain/logic/exact_match",
            "rewards/math_correctness/mean", "rewards/exact_match/mean"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """``mlflow server`` on loopback with a sqlite store; yields its URL; the process group is killed after."""
    import httpx

    root, port = tmp_path_factory.mktemp("mlflow"), _free_port()
    cmd = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
           "--backend-store-uri", f"sqlite:///{root}/mlflow.db", "--default-artifact-root", f"file://{root}/artifacts"]
    log = open(root / "server.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not come up: {(root / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _wandb_records(path: Path):
    """The records of a ``.wandb`` file: a ``:W&B`` header, then LevelDB-log chunks (crc32, length, type)
    in 32 KiB blocks; wandb 0.31 ships no reader, the records themselves are its own protobuf messages."""
    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a wandb run file"
    pos, buf, block = 7, b"", 32768
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a chunk header is padding
            pos += block - pos % block
            continue
        length, kind = struct.unpack("<HB", data[pos + 4:pos + 7])
        chunk, pos = data[pos + 7:pos + 7 + length], pos + 7 + length
        buf = chunk if kind in (1, 2) else buf + chunk  # 1 full, 2 first, 3 middle, 4 last
        if kind in (1, 4):
            yield buf


def _offline_wandb_metrics(wandb_dir: Path) -> set[str]:
    """Metric names in the offline run's history records."""
    from wandb.proto import wandb_internal_pb2

    files = sorted(wandb_dir.glob("wandb/offline-run-*/run-*.wandb"))
    assert files, f"no offline wandb run under {wandb_dir}"
    keys: set[str] = set()
    for raw in _wandb_records(files[-1]):
        rec = wandb_internal_pb2.Record()
        rec.ParseFromString(raw)
        if rec.WhichOneof("record_type") == "history":
            keys.update(item.key or "/".join(item.nested_key) for item in rec.history.item)
    return keys


def test_mixed_stage_logs_domain_and_reward_metrics_to_mlflow_and_wandb(tiny_model, tmp_path, monkeypatch, mlflow_server):
    from pipeline.config import parse_config
    from pipeline.run.orchestrator import run_single_stage

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "posttrain-tracking-test")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_PROJECT", "posttrain-tracking-test")
    cfg = parse_config({
        "model": str(tiny_model), "seed": 0, "output_dir": str(tmp_path / "run"), "domains": list(DOMAINS),
        "stages": ["mixed"], "rollout": {"backend": "hf", "max_tokens": 12, "max_model_len": 512},
        "data": {d: {"train_size": 4, "eval_size": 2} for d in DOMAINS},
        "mixed": {"steps": 2, "group_size": 2, "prompts_per_step": 2, "eval_size": 1},
        "logging": {"report_to": ["mlflow", "wandb"]},
    })
    assert run_single_stage(cfg, "mixed") == 0

    client = mlflow.MlflowClient(tracking_uri=mlflow_server)
    exp = client.get_experiment_by_name("posttrain-tracking-test")
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1
    logged = set(runs[0].data.metrics)
    assert EXPECTED <= logged, f"missing in mlflow: {sorted(EXPECTED - logged)}"
    history = client.get_metric_history(runs[0].info.run_id, "rewards/format/mean")  # both domains use format
    assert sorted(m.step for m in history) == [1, 2]  # one point per optimizer step
    assert runs[0].data.params.get("num_generations") == "2"  # the TRL config arrived as params

    offline = _offline_wandb_metrics(tmp_path)
    expected = {f"train/{k}" for k in EXPECTED}  # transformers' WandbCallback prefixes training logs with train/
    assert expected <= offline, f"missing in the offline wandb run: {sorted(expected - offline)}"
