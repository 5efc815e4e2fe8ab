"""I/O faults give a clear error, never silent zeros: a corrupt checkpoint, a full disk, an
unreachable judge endpoint. Fast: no model is loaded, no engine started.

- Corrupt checkpoint: an upstream manifest points at a folder whose config.json or
  model.safetensors is garbage, truncated or missing. The distill generator check and
  `posttrain eval --model` raise InputError / exit 2 naming the file (pipeline.models.check_checkpoint
  reads only the safetensors header).
- Full disk: a real 64 KiB tmpfs when this process may mount one (root), else skipped with the
  reason; the same contracts are also checked on any machine by injecting OSError(ENOSPC). The
  error surfaces (CLI: exit 1, one line with "No space left on device (ENOSPC)" and the file),
  and no temp file or half-written target is left behind; an older manifest stays intact.
- Unreachable judge: tests/unit/rewards/test_judge.py covers the backend; here `posttrain rewards score`
  writes rows with status "error" and reward null (not 0 with status ok) after its retries.
"""
from __future__ import annotations

import errno
import io
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pipeline.config import PipelineConfig
from pipeline.errors import InputError
from pipeline.run.manifest import read_manifest, write_json_atomic, write_manifest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # repo root at any depth


def _cli(*argv: str, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *argv], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def _one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


# ---------------------------------------------------------------------------------------------
# corrupt checkpoint
# ---------------------------------------------------------------------------------------------

def _safetensors_bytes(n_floats: int = 4) -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [n_floats], "data_offsets": [0, 4 * n_floats]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + struct.pack(f"<{n_floats}f", *range(n_floats))


def _checkpoint(path: Path, vocab: int = 10) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": "llama", "vocab_size": vocab}))
    (path / "model.safetensors").write_bytes(_safetensors_bytes())
    return path


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[:-5])


def _index_missing_shard(p: Path) -> None:
    (p.parent / "model.safetensors.index.json").write_text(json.dumps(
        {"weight_map": {"w": "model.safetensors", "v": "model-00002-of-00002.safetensors"}}))


# (id, file to break, how, expected fragment)
CORRUPTIONS = [
    ("weights-truncated", "model.safetensors", _truncate, "truncated"),
    ("weights-garbage", "model.safetensors", lambda p: p.write_bytes(os.urandom(64)), "header length"),
    ("weights-empty", "model.safetensors", lambda p: p.write_bytes(b""), "shorter than"),
    ("weights-header-not-json", "model.safetensors",
     lambda p: p.write_bytes(struct.pack("<Q", 8) + b"{garbage" + b"\0" * 16), "not valid JSON"),
    ("weights-missing", "model.safetensors", lambda p: p.unlink(), "no weight files"),
    ("index-missing-shard", "model.safetensors", _index_missing_shard, "model-00002-of-00002.safetensors"),
    ("config-garbage", "config.json", lambda p: p.write_bytes(b"\x00\xffnot json"), "config.json"),
    ("config-truncated", "config.json", lambda p: p.write_text('{"model_type": "lla'), "not valid JSON"),
    ("config-not-object", "config.json", lambda p: p.write_text("[1, 2]"), "not a JSON object"),
]


def test_valid_checkpoint_passes_and_is_real_safetensors(tmp_path):
    from safetensors import safe_open

    from pipeline.models import check_checkpoint

    ckpt = _checkpoint(tmp_path / "ok")
    assert check_checkpoint(ckpt) == ckpt
    with safe_open(str(ckpt / "model.safetensors"), "np") as f:  # the fixture is a genuine safetensors file
        assert list(f.keys()) == ["w"] and f.get_tensor("w").tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("name,target,corrupt,fragment", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_distill_generator_rejects_corrupt_expert_checkpoint(tmp_path, name, target, corrupt, fragment):
    from pipeline.distill.generate import generator_model

    base = _checkpoint(tmp_path / "base")
    ckpt = _checkpoint(tmp_path / "run" / "expert_logic" / "checkpoint")
    run = tmp_path / "run"
    write_manifest(run, "expert:logic", status="complete", outputs={"checkpoint": str(ckpt)})
    cfg = PipelineConfig(model=str(base), domains=["logic"], experts={"logic": {"steps": 1}})
    assert generator_model(cfg, run, "expert:logic") == str(ckpt)  # intact: accepted

    corrupt(ckpt / target)
    with pytest.raises(InputError) as ei:
        generator_model(cfg, run, "expert:logic")
    msg = str(ei.value)
    assert str(ckpt) in msg and fragment in msg and "\n" not in msg, msg


@pytest.mark.parametrize("name,target,corrupt,fragment", [CORRUPTIONS[0], CORRUPTIONS[6]],
                         ids=[CORRUPTIONS[0][0], CORRUPTIONS[6][0]])
def test_cli_eval_corrupt_checkpoint_exit_2_names_path(tmp_path, name, target, corrupt, fragment):
    ckpt = _checkpoint(tmp_path / "ckpt")
    corrupt(ckpt / target)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump({"model": str(ckpt), "domains": ["logic"], "eval": {"samples": 1}}))
    res = _cli("eval", "--model", str(ckpt), "--config", str(cfg), "--output", str(tmp_path / "ev"), cwd=tmp_path)
    assert res.returncode == 2, res.stderr[-2000:]
    line = _one_line(res.stderr)
    assert str(ckpt / target) in line and fragment in line, line
    assert not (tmp_path / "ev").exists()


# ---------------------------------------------------------------------------------------------
# full disk
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs mounted at tmp_path/disk; skipped where mounting is not allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root; the ENOSPC-injection tests below cover the same contracts")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip()[:200]}); the ENOSPC-injection tests cover it")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _big(n: int = 200_000) -> dict:
    return {"blob": "x" * n}


def test_tmpfs_write_json_atomic_enospc_leaves_nothing(tiny_disk):
    write_manifest(tiny_disk, "sft", status="complete", config_hash="abc")  # small: fits
    before = read_manifest(tiny_disk, "sft")
    with pytest.raises(OSError) as ei:
        write_manifest(tiny_disk, "sft", status="complete", metrics=_big())
    assert ei.value.errno == errno.ENOSPC and str(tiny_disk / "sft" / "manifest.json") in str(ei.value)
    assert sorted(p.name for p in (tiny_disk / "sft").iterdir()) == ["manifest.json"]  # no *.tmp
    assert read_manifest(tiny_disk, "sft") == before  # the old manifest is intact, not half-written


def test_tmpfs_shard_store_enospc_leaves_no_partial_shard(tiny_disk):
    from pipeline.distill.shards import COLUMNS, ShardStore

    store = ShardStore(tiny_disk / "distill")
    rows = [{c: None for c in COLUMNS} | {"messages": [{"role": "assistant", "content": os.urandom(600).hex()}],
                                          "domain": "math", "source_id": f"s{i}"} for i in range(200)]
    with pytest.raises(OSError) as ei:
        store.write("math-thinking-0000", rows, {"kept": len(rows)})
    assert ei.value.errno == errno.ENOSPC
    leftovers = [p.name for p in (tiny_disk / "distill").rglob("*") if p.is_file()]
    assert leftovers == [], leftovers  # no .tmp, no half shard, no manifest claiming the shard
    assert not ShardStore(tiny_disk / "distill").is_done("math-thinking-0000")


def _score_inputs(tmp_path: Path, n_rows: int, completion_len: int) -> tuple[Path, Path]:
    cfg = tmp_path / "score.yaml"
    cfg.write_text(yaml.safe_dump({"domains": ["logic"], "rewards": {"logic": [{"name": "exact_match"}]}}))
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": f"r{i}", "domain": "logic", "prompt": "?", "answer": "4",
                                       "completion": "4 " + "y" * completion_len}) + "\n" for i in range(n_rows)))
    return cfg, inp


def test_tmpfs_cli_rewards_score_full_disk(tmp_path, tiny_disk):
    cfg, inp = _score_inputs(tmp_path, n_rows=100, completion_len=1000)  # ~110 KB of output for 64 KiB
    out = tiny_disk / "scored.jsonl"
    res = _cli("rewards", "score", "--config", str(cfg), "--input", str(inp), "--output", str(out), cwd=tmp_path)
    assert res.returncode == 1, res.stderr[-2000:]
    line = _one_line(res.stderr)
    assert "No space left on device" in line and "ENOSPC" in line and str(out) in line, line
    assert list(tiny_disk.iterdir()) == []  # no temp file, no partial output


class _FullDiskFile(io.StringIO):
    """A text file that accepts ``room`` characters, then fails like a full disk. What was
    accepted reaches the real file underneath on close (a half-written temp file)."""

    def __init__(self, room: int, real):
        super().__init__()
        self.room, self.real = room, real

    def close(self) -> None:  # must return None: IOBase.__exit__ returns close()'s result
        if not self.closed:
            self.real.write(self.getvalue())
            self.real.close()
        super().close()

    def fileno(self) -> int:
        return self.real.fileno()

    def write(self, s: str) -> int:
        if self.tell() + len(s) > self.room:
            super().write(s[: max(0, self.room - self.tell())])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(s)


def test_injected_enospc_write_json_atomic_keeps_old_manifest(tmp_path, monkeypatch):
    import pipeline.io as manifest  # the atomic writer behind write_json_atomic

    write_manifest(tmp_path, "eval", status="complete", metrics={"a": 1})
    before = (tmp_path / "eval" / "manifest.json").read_bytes()
    real_fdopen = os.fdopen

    def fdopen(fd, *a, **k):  # the real temp file is created, then writes into it fail half way
        return _FullDiskFile(40, real_fdopen(fd, *a, **k))

    monkeypatch.setattr(manifest.os, "fdopen", fdopen)
    with pytest.raises(OSError) as ei:
        write_json_atomic(tmp_path / "eval" / "manifest.json", {"status": "complete", "metrics": _big(1000)})
    assert ei.value.errno == errno.ENOSPC and "manifest.json" in str(ei.value)
    assert [p.name for p in (tmp_path / "eval").iterdir()] == ["manifest.json"]
    assert (tmp_path / "eval" / "manifest.json").read_bytes() == before


def test_injected_enospc_cli_rewards_score_one_line_no_output(tmp_path, monkeypatch, capsys):
    import pipeline.io as score_cli  # the atomic writer behind `rewards score`
    from pipeline.cli import main

    cfg, inp = _score_inputs(tmp_path, n_rows=5, completion_len=100)
    real_fdopen = os.fdopen

    def fdopen(fd, *a, **k):
        return _FullDiskFile(300, real_fdopen(fd, *a, **k))

    monkeypatch.setattr(score_cli.os, "fdopen", fdopen)
    out = tmp_path / "out" / "scored.jsonl"
    assert main(["rewards", "score", "--config", str(cfg), "--input", str(inp), "--output", str(out)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("error: No space left on device (ENOSPC)") and str(out) in line, line
    assert list(out.parent.iterdir()) == []  # the temp file is gone and no partial output was published


# ---------------------------------------------------------------------------------------------
# unreachable judge endpoint
# ---------------------------------------------------------------------------------------------

def test_cli_rewards_score_unreachable_judge_is_status_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    cfg = tmp_path / "judge.yaml"
    cfg.write_text(yaml.safe_dump({
        "domains": ["writing"], "rewards": {"writing": [{"name": "rubric_judge", "weight": 1.0}]},
        "judge": {"backend": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "model": "judge-x",
                  "timeout_s": 2, "guard": "off"}}))
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("".join(json.dumps({"id": f"w{i}", "domain": "writing", "prompt": "Name the capital of France.",
                                       "completion": "Paris."}) + "\n" for i in range(2)))
    t0 = time.monotonic()
    res = _cli("rewards", "score", "--config", str(cfg), "--input", str(inp), "--output", str(out), cwd=tmp_path)
    elapsed = time.monotonic() - t0
    assert res.returncode == 0, res.stderr[-2000:]
    rows = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["error", "error"], rows
    assert all(r["reward"] is None for r in rows)  # not a silent 0 with status ok
    assert all("after" in json.dumps(r["info"]) and "attempts" in json.dumps(r["info"]) for r in rows), rows[0]["info"]
    assert elapsed < 60  # retried with backoff, then gave up instead of hanging
