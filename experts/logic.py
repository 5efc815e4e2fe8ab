"""Logic expert: comparisons, boolean connectives, sequences, sorting (``experts/datasets/logic.py``).

Reward: ``exact_match`` on the ``\\boxed{}`` answer plus ``format`` shaping (a required box).
"""
from __future__ import annotations

from .base import ExpertSpec, register_expert


@register_expert("logic")
def logic_expert() -> ExpertSpec:
    return ExpertSpec(
        domain="logic",
        prompt_template="{prompt}\nPut your final answer in \\boxed{{}}.",
        rewards=({"name": "exact_match", "weight": 1.0},
                 {"name": "format", "weight": 0.2, "params": {"require_boxed": True}}),
        group_size=8, max_prompt_len=128, max_tokens=128, learning_rate=2e-5, steps=20,
        kl_beta=0.0, lora=None, mode="both",
        description="short puzzles with exact answers (names, yes/no, numbers, lists)")
