"""Starting or attaching to the Ray runtime, shared by the orchestrator and the stages that
place engines in Ray actors.

Attaches to ``cfg.ray.address`` or ``$RAY_ADDRESS`` when set (e.g. under ``ray job submit``),
otherwise starts an embedded local runtime bound to 127.0.0.1. Inside a stage's Ray task the
runtime is already up and this does nothing.
"""
from __future__ import annotations

import logging
import os
import threading

from ..config import PipelineConfig

log = logging.getLogger(__name__)
_LOCK = threading.Lock()  # engines started from several threads (distill fan-out) init once


def init_ray(cfg: PipelineConfig) -> None:
    import ray

    with _LOCK:
        if not ray.is_initialized():
            _init(ray, cfg)


def _init(ray, cfg: PipelineConfig) -> None:
    from .stage_log import CONSOLE, verbose

    address = cfg.ray.address or os.environ.get("RAY_ADDRESS")
    # Workers' own output stays in their stage.log (and Ray's session logs) unless --verbose.
    quiet = dict(log_to_driver=verbose(), logging_level=logging.INFO if verbose() else logging.ERROR)
    if address:
        log.info("attaching to Ray cluster at %s", address, extra=CONSOLE)
        ray.init(address=address, **quiet)
    else:
        log.info("starting an embedded local Ray runtime (set RAY_ADDRESS to use a cluster)", extra=CONSOLE)
        from .affinity import remember

        remember()  # its processes get the driver's CPUs back (pipeline/run/affinity.py)
        ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, **quiet)
