"""sandbox.isolation: ``required`` (default) never degrades silently; ``best_effort`` falls back with a warning.

The bwrap lookup is pointed at a path that does not exist, which is what a machine without
bubblewrap looks like to the sandbox."""
from __future__ import annotations

import logging

import pytest

from rewards.sandbox import SandboxUnavailableError, build_sandbox
from rewards.sandbox_local import LocalSandbox, detect_isolation

NO_BWRAP = "/nonexistent/bin/bwrap"


def test_required_is_the_default_and_raises_with_install_hint():
    with pytest.raises(SandboxUnavailableError) as e:
        build_sandbox("local", bwrap=NO_BWRAP)
    msg = str(e.value)
    assert "sandbox.isolation=required" in msg and "apt-get install bubblewrap" in msg and NO_BWRAP in msg
    assert "best_effort" in msg  # says how to opt out, too


def test_best_effort_falls_back_to_rlimits_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="rewards.sandbox_local"):
        sb = LocalSandbox(isolation_policy="best_effort", bwrap=NO_BWRAP, timeout_s=2, memory_mb=256)
    assert sb.isolation == "rlimits"
    assert any("best_effort" in r.getMessage() and "network reachable" in r.getMessage() for r in caplog.records)
    r = sb.run("print(6 * 7)")
    assert (r.status, r.stdout_tail) == ("ok", "42\n")


def test_unknown_policy_is_rejected():
    with pytest.raises(ValueError, match="isolation_policy must be one of"):
        LocalSandbox(isolation_policy="maybe")


@pytest.mark.skipif(detect_isolation() != "bwrap", reason="bubblewrap cannot start here (run scripts/setup.sh)")
def test_required_uses_bwrap_when_present():
    sb = LocalSandbox(isolation_policy="required", timeout_s=3, memory_mb=256)
    assert sb.isolation == "bwrap" and sb.bwrap.endswith("bwrap")
    assert sb.run("print(1)").stdout_tail == "1\n"
