"""The GPU check's preflight (issue 25.6) runs on CPU: it lists every missing module and file at once, with
how to bring each in offline, instead of stopping at the first import error."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench import gpu_preflight

ROOT = Path(__file__).resolve().parents[3]


def test_every_missing_module_and_file_is_listed_at_once(monkeypatch, tmp_path):
    monkeypatch.setattr(gpu_preflight, "REQUIRED", {**gpu_preflight.REQUIRED,
                                                   "no_such_mod_a": ("no-such-a", "test"),
                                                   "no_such_mod_b": ("no-such-b", "test")})
    monkeypatch.setattr(gpu_preflight, "OPTIONAL", {"no_such_vllm": ("vllm==0.32.0", "the CUDA engine")})
    ready, text = gpu_preflight.report(str(tmp_path / "model"), need_cuda=False)
    assert not ready
    assert "missing modules (2): no_such_mod_a (test), no_such_mod_b (test)" in text
    assert "pip download -d wheels no-such-a no-such-b" in text and "--no-index --find-links wheels" in text
    assert "optional module missing: no_such_vllm" in text
    assert f"missing model folder: {tmp_path / 'model'}" in text and "--model DIR" in text


def test_preflight_cli_on_this_cpu_machine(tmp_path):
    cmd = [sys.executable, "-m", "bench.gpu_preflight", "--model", str(tmp_path / "none")]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "missing model folder" in res.stderr and "no GPU: torch" in res.stderr  # both at once
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    ok = subprocess.run([*cmd[:-1], str(tmp_path / "m"), "--no-cuda"], cwd=ROOT, capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0 and "ready" in ok.stdout
