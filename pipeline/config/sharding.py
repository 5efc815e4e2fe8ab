"""The ``training.fsdp`` section: FSDP2 sharding of full fine-tuning across the GPUs of a training stage.

Field names follow accelerate / transformers ``fsdp_config`` (what TRL users already write); how they reach
``TrainingArguments.fsdp`` / ``fsdp_config`` (version 2) is pipeline/train/fsdp.py ``fsdp_args``. accelerate
only shards on CUDA (DESIGN.md: on CPU the Trainer silently falls back to DDP), so an enabled section is
refused at trainer build time when no GPU is visible.
"""
from __future__ import annotations

from pydantic import Field

from .section import Section


class FSDPConfig(Section):
    """FSDP2 (PyTorch ``fully_shard``) through accelerate: parameters, gradients and AdamW states sharded."""

    enabled: bool = False
    """Shard the policy with FSDP2 across the stage's training workers (num_workers GPUs); CUDA only."""
    reshard_after_forward: bool = True
    """Free the gathered parameters after each layer's forward and gather them again for the backward (ZeRO-3);
    false keeps them gathered between forward and backward (ZeRO-2-like: less communication, more memory)."""
    cpu_offload: bool = False
    """Keep the sharded parameters, gradients and optimizer states in host memory (slow; for models that do not
    fit even sharded)."""
    activation_checkpointing: bool = False
    """Recompute each decoder layer's activations in the backward pass (FSDP's own wrapper); use this instead of
    training.gradient_checkpointing, which adds a redundant all-gather under FSDP."""
    transformer_layer_cls_to_wrap: list[str] | None = Field(None, min_length=1)
    """Decoder layer class names that become FSDP units (e.g. [Qwen2DecoderLayer]); None = the model's own
    ``_no_split_modules`` (what accelerate uses by default)."""
