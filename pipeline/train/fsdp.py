"""``training.fsdp`` -> the TrainingArguments fields that turn on FSDP2 through accelerate.

    args = GRPOConfig(..., **precision_args(training, cuda), **fsdp_args(training, cuda))

The decision (which fields, which refusal) is this plain function, tested on CPU
(tests/unit/pipeline/train/test_fsdp_args.py); the sharded Trainer itself needs CUDA and is tested in
tests/gpu/test_fsdp2.py. Weight sync and saving under FSDP2: weights.py, sharded_save.py.
"""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError


def fsdp_args(training: dict[str, Any], cuda: bool) -> dict[str, Any]:
    """``{"fsdp": True, "fsdp_config": {...version 2...}}`` for an enabled section, ``{}`` otherwise.

    Refused (ConfigError naming the field) without CUDA, where accelerate falls back to DDP and would hold every
    parameter on every worker, and together with training.gradient_checkpointing.
    """
    fsdp = training.get("fsdp") or {}
    if not fsdp.get("enabled"):
        return {}
    if not cuda:
        raise ConfigError("training.fsdp.enabled", "FSDP2 shards over CUDA GPUs and no GPU is visible here "
                                                   "(accelerate does not shard on CPU); set training.fsdp.enabled: "
                                                   "false or run the stage on GPUs")
    if training.get("gradient_checkpointing"):
        raise ConfigError("training.gradient_checkpointing", "under FSDP use training.fsdp.activation_checkpointing "
                                                             "instead (gradient checkpointing adds an all-gather)")
    cfg: dict[str, Any] = {"version": 2, "reshard_after_forward": bool(fsdp.get("reshard_after_forward", True)),
                           "cpu_offload": bool(fsdp.get("cpu_offload")),
                           "activation_checkpointing": bool(fsdp.get("activation_checkpointing")),
                           "auto_wrap_policy": "TRANSFORMER_BASED_WRAP", "state_dict_type": "FULL_STATE_DICT"}
    if fsdp.get("transformer_layer_cls_to_wrap"):
        cfg["transformer_layer_cls_to_wrap"] = list(fsdp["transformer_layer_cls_to_wrap"])
    return {"fsdp": True, "fsdp_config": cfg}
