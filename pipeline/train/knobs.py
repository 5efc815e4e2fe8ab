"""Training knobs shared by the GRPO and SFT builders (``cfg.training``, per-stage ``resume_from``).

| config                          | TRL / transformers                                                   |
|---------------------------------|----------------------------------------------------------------------|
| training.dtype: bf16            | model loaded in bfloat16, ``bf16=True`` (the default on CUDA)         |
| training.dtype: fp16            | model loaded in float32, ``fp16=True`` autocast (CUDA only)           |
| training.dtype: fp32            | model and math in float32 (the default on CPU)                        |
| training.attn_implementation    | ``model_init_kwargs["attn_implementation"]`` (eager, sdpa, flash_...) |
| training.gradient_checkpointing | ``gradient_checkpointing=True`` (non-reentrant)                       |
| trust_remote_code               | ``model_init_kwargs["trust_remote_code"]``                            |
| <stage>.resume_from             | ``trainer.train(resume_from_checkpoint=...)``                         |

    args = GRPOConfig(..., **precision_args(training, cuda))
    args.model_init_kwargs = model_init_kwargs(training, trust_remote_code, cuda)
    trainer.train(resume_from_checkpoint=resume_checkpoint(explicit, out_dir / "trainer"))
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError

TORCH_DTYPES = {"bf16": "bfloat16", "fp16": "float32", "fp32": "float32"}  # fp16 = fp32 weights + fp16 autocast


def resolved_dtype(dtype: str, cuda: bool) -> str:
    """``auto`` is bf16 on CUDA and fp32 on CPU; fp16 needs CUDA (a ConfigError naming the field)."""
    d = ("bf16" if cuda else "fp32") if dtype == "auto" else dtype
    if d == "fp16" and not cuda:
        raise ConfigError("training.dtype", "fp16 mixed precision needs a CUDA GPU; use bf16 or fp32 on CPU")
    return d


def precision_args(training: dict[str, Any], cuda: bool) -> dict[str, Any]:
    """The TrainingArguments fields for precision and gradient checkpointing."""
    d = resolved_dtype(training["dtype"], cuda)
    out: dict[str, Any] = {"bf16": d == "bf16", "fp16": d == "fp16",
                           "gradient_checkpointing": bool(training["gradient_checkpointing"])}
    if out["gradient_checkpointing"]:
        out["gradient_checkpointing_kwargs"] = {"use_reentrant": False}
    return out


def model_init_kwargs(training: dict[str, Any], trust_remote_code: bool, cuda: bool) -> dict[str, Any]:
    """What TRL passes to ``from_pretrained`` when it loads the policy from a path."""
    import torch

    kw: dict[str, Any] = {"dtype": getattr(torch, TORCH_DTYPES[resolved_dtype(training["dtype"], cuda)])}
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
