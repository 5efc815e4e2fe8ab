"""The ``training`` section: knobs shared by every training stage (experts, sft, mixed).

How each knob reaches the trainer is pipeline/train/knobs.py.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .section import Section
from .sharding import FSDPConfig


class TrainingConfig(Section):
    """Knobs shared by every training stage (experts, sft, mixed); see pipeline/train/knobs.py."""

    dtype: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    """Training precision: auto = bf16 on CUDA, fp32 on CPU. bf16 = fp32 master weights, gradients and AdamW
    states with bf16 autocast (what TRL, verl and OpenRLHF do); fp16 = the same with fp16 autocast (CUDA only);
    fp32 = no autocast."""
    pure_bf16: bool = False
    """Opt-in: load the policy itself in bfloat16 (weights, gradients and AdamW states all bf16, no fp32 master copy).
    Halves the parameter and optimizer memory but rounds most small updates away (bf16 keeps 8 significant bits):
    one AdamW step at lr 1e-6 changed 0.4% of SmolLM2-135M's weights this way, 97% with fp32 master weights
    (bench/results/scale_train.json). Logs a warning. Needs dtype bf16 (or auto on CUDA)."""
    attn_implementation: Literal["eager", "sdpa", "flash_attention_2", "flash_attention_3", "flex_attention"] | None = None
    """Attention kernel the policy is loaded with; None = transformers' default (sdpa where supported)."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory, about 30% more compute."""
    max_tokens_per_micro_batch: int | None = Field(None, gt=0)
    """Token budget of one forward/backward pass. The RL stages split each step's group_size x prompts_per_step
    completions into the fewest micro-batches (at least gradient_accumulation_steps) of at most this many tokens,
    counting every row at its longest (the expert spec's max_prompt_len + max_tokens, or thinking_max_tokens when it
    trains thinking rows), and SFT splits
    sft.batch_size x sft.grad_accum rows of sft.max_length the same way: the same gradient in more, smaller passes
    (pipeline/config/batching.py). None = gradient_accumulation_steps / sft.batch_size as configured."""
    fsdp: FSDPConfig = Field(default_factory=FSDPConfig)
    """FSDP2 sharding of the policy across the GPUs of a training stage (pipeline/config/sharding.py); CUDA only."""

    @model_validator(mode="after")
    def _pure_bf16_needs_bf16(self) -> "TrainingConfig":
        if self.pure_bf16 and self.dtype in ("fp16", "fp32"):
            raise ValueError(f"pure_bf16 loads the policy in bfloat16 and needs dtype bf16, not {self.dtype}; "
                             "set training.dtype: bf16 or drop pure_bf16")
        return self
