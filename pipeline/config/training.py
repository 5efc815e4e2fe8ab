"""The ``training`` section: knobs shared by every training stage (experts, sft, mixed).

How each knob reaches the trainer is pipeline/train/knobs.py.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .section import Section
from .sharding import FSDPConfig


class TrainingConfig(Section):
    """Knobs shared by every training stage (experts, sft, mixed); see pipeline/train/knobs.py."""

    dtype: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    """Training precision: auto = bf16 on CUDA, fp32 on CPU; fp16 = fp32 weights with fp16 autocast (CUDA only)."""
    attn_implementation: Literal["eager", "sdpa", "flash_attention_2", "flash_attention_3", "flex_attention"] | None = None
    """Attention kernel the policy is loaded with; None = transformers' default (sdpa where supported)."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory, about 30% more compute."""
    fsdp: FSDPConfig = Field(default_factory=FSDPConfig)
    """FSDP2 sharding of the policy across the GPUs of a training stage (pipeline/config/sharding.py); CUDA only."""
