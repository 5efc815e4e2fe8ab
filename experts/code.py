"""Code expert: generated function tasks (train) and held-out tasks + HumanEval (eval).

Reward: ``code_tests`` with partial credit (the fraction of asserts passed), which gives a
weak model graded rewards instead of all-or-nothing zeros. LoRA on the attention
projections, no KL.
"""
from __future__ import annotations

from .base import ExpertSpec, lora, register_expert


@register_expert("code")
def code_expert() -> ExpertSpec:
    return ExpertSpec(
        domain="code",
        prompt_template="{prompt}\nReply with the complete function in a ```python code block.",
        rewards=({"name": "code_tests", "weight": 1.0, "params": {"partial_credit": True}},),
        group_size=8, max_prompt_len=384, max_tokens=192, learning_rate=1e-4, steps=20,
        kl_beta=0.0, lora=lora(16, 32), mode="both",
        description="small function tasks with asserts; HumanEval held out for eval")
