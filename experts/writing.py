"""Writing/QA expert: hand-written prompts with per-prompt rubrics (``data/writing.jsonl``).

Reward: ``rubric_judge`` (the generative judge reads the constitution plus the row's
rubric) and a small ``language_consistency`` term. A small KL keeps the style close to the
base model, since a judge is easier to exploit than a rule. Non-thinking only.
"""
from __future__ import annotations

from .base import ExpertSpec, lora, register_expert


@register_expert("writing")
def writing_expert() -> ExpertSpec:
    return ExpertSpec(
        domain="writing",
        prompt_template="{prompt}",
        rewards=({"name": "rubric_judge", "weight": 1.0},
                 {"name": "language_consistency", "weight": 0.1}),
        group_size=4, max_prompt_len=256, max_tokens=160, learning_rate=5e-5, steps=10,
        kl_beta=0.02, lora=lora(8, 16), mode="non_thinking",
        description="emails, explanations, summaries, QA, poems and advice judged against rubrics")
