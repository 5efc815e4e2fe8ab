"""Math expert: arithmetic and one-step algebra (``experts/datasets/math.py``), ``\\boxed{}`` answers.

Rewards: ``math_correctness`` (math-verify) plus small shaping terms (``format`` with a
required ``\\boxed{}``, the DAPO ``length_penalty``, ``language_consistency``) so that
groups of a weak model still differ in reward. Full fine-tuning, no KL (V3.2 finds a weak
or zero KL best for math); ``both`` modes, as V3.2's specialists serve thinking and
non-thinking distillation.
"""
from __future__ import annotations

from .base import ExpertSpec, register_expert


@register_expert("math")
def math_expert() -> ExpertSpec:
    return ExpertSpec(
        domain="math",
        prompt_template="{prompt}\nPut your final answer in \\boxed{{}}.",
        rewards=({"name": "math_correctness", "weight": 1.0},
                 {"name": "format", "weight": 0.2, "params": {"require_boxed": True}},
                 {"name": "length_penalty", "weight": 0.1, "params": {"max_len": 128, "buffer": 32}},
                 {"name": "language_consistency", "weight": 0.1}),
        group_size=8, max_prompt_len=128, max_tokens=128, learning_rate=2e-5, steps=20,
        kl_beta=0.0, lora=None, mode="both",
        description="single/two-digit arithmetic, one-step equations and word problems")
