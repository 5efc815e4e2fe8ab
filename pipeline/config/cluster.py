"""``ray.cluster``: the size of the cluster a run is planned for, so ``posttrain validate`` can check the
placement of every stage (pipeline/run/placement.py) before any job waits in Ray's queue for resources
that will never come. A run attached to a cluster checks Ray's real resources as well.
"""
from __future__ import annotations

from pydantic import Field

from .section import Section


class ClusterSize(Section):
    num_gpus: float = Field(0, ge=0)
    """GPUs in the whole cluster (Ray's GPU resource)."""
    num_cpus: float = Field(..., gt=0)
    """CPUs in the whole cluster (Ray's CPU resource)."""
