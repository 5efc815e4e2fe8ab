"""Give every process of an embedded Ray runtime the CPUs the driver was started with.

Measured here (2-core host, 2026-12-07): with libiomp5 preloaded (pipeline/run/preload.py), a driver that has
run a torch OpenMP region (the run estimate's matmul probe) starts Ray's gcs_server and raylet pinned to CPU 0,
and every stage task and engine actor the raylet forks inherits that one core: a stage given
``num_cpus: 2`` ran on one core, and an engine actor and a trainer given one core each shared core 0 while
core 1 idled. ``remember()`` (the driver, before ``ray.init``) records the driver's CPUs in
``POSTTRAIN_CPUS``, which the runtime's processes inherit; ``restore()`` (first thing in a stage task, an
engine or judge actor, a Ray Train worker) sets the calling process's affinity back to them, before it starts
its compute threads. On a cluster the variable is not there and nothing changes.
"""
from __future__ import annotations

import os

ENV = "POSTTRAIN_CPUS"


def remember() -> None:
    if hasattr(os, "sched_getaffinity") and ENV not in os.environ:
        os.environ[ENV] = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))


def restore() -> None:
    cpus = os.environ.get(ENV)
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return
    want = {int(c) for c in cpus.split(",") if c.strip()}
    if want and os.sched_getaffinity(0) != want:
        try:
            os.sched_setaffinity(0, want)
        except OSError:  # CPUs this node does not have or is not allowed: keep what it has
            pass
