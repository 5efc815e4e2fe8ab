"""Agentic coding expert: function tasks solved with a sandboxed ``run_python`` tool.

The model may run code (TRL multi-turn tool calls) before it answers; the reward is
``code_tests`` with partial credit on the final ```python block. Thinking mode: V3.2
integrates reasoning into tool use. Departure from the paper: no repository environments.
"""
from __future__ import annotations

from .base import ExpertSpec, lora, register_expert
from .tools.python_exec import run_python


@register_expert("agentic_code")
def agentic_code_expert() -> ExpertSpec:
    return ExpertSpec(
        domain="agentic_code",
        prompt_template=("{prompt}\nYou can test your code with the run_python tool. "
                         "Reply with the final function in a ```python code block."),
        rewards=({"name": "code_tests", "weight": 1.0, "params": {"partial_credit": True}},),
        tools=(run_python,),
        group_size=4, max_prompt_len=512, max_tokens=256, learning_rate=1e-4, steps=10,
        kl_beta=0.0, lora=lora(16, 32), mode="thinking",
        description="function tasks with a sandboxed Python tool; HumanEval in eval")
