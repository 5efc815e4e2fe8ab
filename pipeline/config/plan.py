"""The ``plan`` section: where the memory plan (``posttrain plan``, pipeline/plan/) reads the model's shape, and
what it adds per GPU beyond the tensors it counts. The memory each GPU has is ``resources.<stage>.gpu_memory_gb``.
"""
from __future__ import annotations

from pydantic import ConfigDict, Field

from .section import Section


class PlanConfig(Section):
    """Inputs of the per-stage GPU memory plan (pipeline/plan/), checked by ``posttrain plan`` and ``validate``."""

    # YAML says ``model_config``; a config re-validated from its own dump (stage tasks) says ``model_config_path``
    model_config = ConfigDict(**Section.model_config, populate_by_name=True)

    model_config_path: str | None = Field(None, alias="model_config")
    """A local config.json (or the folder holding it) with the model's architecture, for a hub model this machine
    cannot download; None = the model's own config.json when it is local or in the HF cache, else the shipped
    table of well-known architectures (pipeline/plan/known.py)."""
    overhead_gb: float = Field(2.0, ge=0)
    """Per-GPU memory the plan adds for what it does not count tensor by tensor: the CUDA context, NCCL buffers,
    the caching allocator's fragmentation."""
    check: bool = True
    """Refuse a config whose plan does not fit (exit 2 before anything starts); false = print the plan only."""
