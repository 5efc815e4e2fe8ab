"""Training knobs shared by the GRPO and SFT builders (``cfg.training``, per-stage ``resume_from``).

| config                          | TRL / transformers                                                   |
|---------------------------------|----------------------------------------------------------------------|
| training.dtype: bf16            | fp32 master weights, ``bf16=True`` autocast (the default on CUDA)     |
| training.dtype: fp16            | fp32 master weights, ``fp16=True`` autocast (CUDA only)               |
| training.dtype: fp32            | model and math in float32 (the default on CPU)                        |
| training.pure_bf16 (opt-in)     | policy loaded in bfloat16, no fp32 master copy (warns)                |
| training.attn_implementation    | ``model_init_kwargs["attn_implementation"]`` (eager, sdpa, flash_...) |
| training.gradient_checkpointing | ``gradient_checkpointing=True`` (non-reentrant)                       |
| trust_remote_code               | ``model_init_kwargs["trust_remote_code"]``                            |
| <stage>.resume_from             | ``trainer.train(resume_from_checkpoint=...)``                         |

Mixed precision keeps the parameters, their gradients and AdamW's states in fp32 and runs the forward and
backward under bf16 (or fp16) autocast, as TRL, verl (FSDP ``param_dtype`` bf16 over fp32 master) and OpenRLHF
do: a bf16 weight near 0.02 has a resolution of about 1e-4, so an RL update of 1e-6 applied to a bf16 weight
rounds away (bench/scale_train.py measures the share of weights one AdamW step changes either way). The policy
is always loaded with an explicit ``dtype`` (never the checkpoint's own, which is bf16 for most hub models).
The rollout engine's precision is decided apart from this (pipeline/rollout/build.py ``engine_dtype``): a bf16
engine beside an fp32 master is the usual GPU setup.

    args = GRPOConfig(..., **precision_args(training, cuda))
    args.model_init_kwargs = model_init_kwargs(training, trust_remote_code, cuda)
    trainer.train(resume_from_checkpoint=resume_checkpoint(explicit, out_dir / "trainer"))
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..errors import ConfigError

log = logging.getLogger(__name__)

# The dtype the policy's parameters (and so its gradients and optimizer states) live in: fp32 master weights
# for every setting; bf16 / fp16 are the autocast compute dtype (precision_args). Only pure_bf16 changes it.
TORCH_DTYPES = {"bf16": "float32", "fp16": "float32", "fp32": "float32"}
PURE_BF16_WARNING = ("training.pure_bf16: the policy is loaded in bfloat16 with no fp32 master copy; most updates "
                     "smaller than 1/256 of a weight round away (drop pure_bf16 for fp32 master weights)")


def resolved_dtype(dtype: str, cuda: bool) -> str:
    """``auto`` is bf16 on CUDA and fp32 on CPU; fp16 needs CUDA (a ConfigError naming the field)."""
    d = ("bf16" if cuda else "fp32") if dtype == "auto" else dtype
    if d == "fp16" and not cuda:
        raise ConfigError("training.dtype", "fp16 mixed precision needs a CUDA GPU; use bf16 or fp32 on CPU")
    return d


def master_dtype(training: dict[str, Any], cuda: bool) -> str:
    """The torch dtype name the policy is loaded in: float32 (master weights), bfloat16 only for pure_bf16."""
    d = resolved_dtype(training["dtype"], cuda)
    if not training.get("pure_bf16"):
        return TORCH_DTYPES[d]
    if d != "bf16":
        raise ConfigError("training.pure_bf16", f"needs bf16 training, but training.dtype resolves to {d} here; "
                                                "set training.dtype: bf16 or drop pure_bf16")
    return "bfloat16"


def precision_args(training: dict[str, Any], cuda: bool) -> dict[str, Any]:
    """The TrainingArguments fields for precision (the autocast dtype) and gradient checkpointing."""
    d = resolved_dtype(training["dtype"], cuda)
    out: dict[str, Any] = {"bf16": d == "bf16", "fp16": d == "fp16",
                           "gradient_checkpointing": bool(training["gradient_checkpointing"])}
    if out["gradient_checkpointing"]:
        out["gradient_checkpointing_kwargs"] = {"use_reentrant": False}
    return out


def model_init_kwargs(training: dict[str, Any], trust_remote_code: bool, cuda: bool) -> dict[str, Any]:
    """What TRL passes to ``from_pretrained`` when it loads the policy from a path (warns for pure_bf16)."""
    import torch

    name = master_dtype(training, cuda)
    if name == "bfloat16":
        log.warning(PURE_BF16_WARNING)
    kw: dict[str, Any] = {"dtype": getattr(torch, name)}
    if training.get("attn_implementation"):
        kw["attn_implementation"] = training["attn_implementation"]
    if trust_remote_code:
        kw["trust_remote_code"] = True
    return kw


def resume_checkpoint(explicit: str | None, trainer_dir: Path) -> str | None:
    """The checkpoint to resume from: the stage's own latest one (a rerun after an interruption
    continues where it stopped, even when it had started from ``explicit``), else ``explicit``."""
    from transformers.trainer_utils import get_last_checkpoint

    own = get_last_checkpoint(str(trainer_dir)) if Path(trainer_dir).is_dir() else None
    return own or explicit
