"""scripts/setup.sh's console: one line to start, pip's chatter only in ``$VENV/setup.log``, the one-line
summary at the end, silence on a rerun; a pip failure exits non-zero and shows the log's tail.

The real script runs against a throwaway venv folder whose ``bin/pip`` and ``bin/python`` are small
shell scripts standing in for pip and the interpreter (the real install takes minutes; a fresh-clone run
of ``make test`` covers it). Skipped where the script would apt-get its system packages first."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not all(shutil.which(c) for c in ("bwrap", "setpriv", "chromium"))
    or not glob.glob("/usr/lib/*-linux-gnu/libtcmalloc_minimal.so.4"),
    reason="setup.sh would apt-get system packages here")

PIP_CHATTER = """#!/bin/sh
echo "Looking in links: /opt/wheels"
echo "  SetuptoolsDeprecationWarning: chatter that must stay off the console" >&2
echo "Successfully installed posttrain-0.1.0"
[ "$1 $2" = "install intel-openmp" ] && touch "$(dirname "$0")/../lib/libiomp5.so"
exit ${FAKE_PIP_RC:-0}
"""
PYTHON = """#!/bin/sh
echo "INFO vllm: Automatically detected platform cpu." >&2
echo "[setup] ok: torch 0 transformers 0 trl 0 vllm 0 ray 0"
"""


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib").mkdir()
    for name, text in (("pip", PIP_CHATTER), ("python", PYTHON)):
        (venv / "bin" / name).write_text(text)
        (venv / "bin" / name).chmod(0o755)
    return venv


def _setup(venv: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "VENV": str(venv), "PROFILE": "cpu", **env})


def test_setup_is_quiet_logs_pip_and_ends_with_its_summary(tmp_path):
    venv = _venv(tmp_path)
    proc = _setup(venv)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"[setup] installing posttrain (cpu profile) into {venv} (a few minutes; pip's output: {venv}/setup.log)",
        "[setup] ok: torch 0 transformers 0 trl 0 vllm 0 ray 0"]
    assert proc.stderr == ""
    log = (venv / "setup.log").read_text()
    assert "SetuptoolsDeprecationWarning" in log and "Successfully installed" in log
    assert "Automatically detected platform" in log
    assert (venv / ".posttrain-setup-cpu").is_file()
    again = _setup(venv)  # idempotent: nothing changed, nothing to do, nothing printed
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""


def test_a_pip_failure_exits_non_zero_and_shows_the_log_tail(tmp_path):
    venv = _venv(tmp_path)
    proc = _setup(venv, FAKE_PIP_RC="1")
    assert proc.returncode == 1
    assert f"[setup] FAILED: pip upgrade; the last lines of {venv}/setup.log:" in proc.stderr
    assert "SetuptoolsDeprecationWarning" in proc.stderr  # the log's tail, where the reason is
    assert not (venv / ".posttrain-setup-cpu").exists()
