"""pipeline/run/affinity.py: a process pinned to fewer CPUs than the driver had gets them back."""
from __future__ import annotations

import os

import pytest

from pipeline.run import affinity

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")


def test_restore_gives_back_the_remembered_cpus(monkeypatch):
    full = os.sched_getaffinity(0)
    monkeypatch.delenv(affinity.ENV, raising=False)
    affinity.remember()
    assert os.environ[affinity.ENV] == ",".join(str(c) for c in sorted(full))
    try:
        os.sched_setaffinity(0, {min(full)})  # what the raylet's children inherited
        affinity.restore()
        assert os.sched_getaffinity(0) == full
    finally:
        os.sched_setaffinity(0, full)


def test_restore_without_a_remembered_set_changes_nothing(monkeypatch):
    monkeypatch.delenv(affinity.ENV, raising=False)
    before = os.sched_getaffinity(0)
    affinity.restore()
    assert os.sched_getaffinity(0) == before
