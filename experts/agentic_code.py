"""Agentic coding expert: code tasks where the model may run Python in the sandbox first.

Tasks are the generated function tasks of the code domain (HumanEval stays held out for
the code expert's eval); the reward is ``code_tests`` on the final answer.
"""
from __future__ import annotations

from typing import Any

from . import code
from .base import ExpertSpec, register_expert
from .tools.python_exec import run_python


def build(split: str, n: int, seed: int) -> list[dict[str, Any]]:
    rows = code.generated(split, n, seed + 1000)
    return [{**r, "domain": "agentic_code", "id": r["id"].replace("code-", "agentic_code-")} for r in rows]


SPEC = register_expert(ExpertSpec(
    domain="agentic_code", build=build,
    prompt_template="{prompt} You can test code with the run_python tool. Reply with the final code in a ```python block.",
    rewards=({"name": "code_tests", "weight": 1.0},), tools=(run_python,),
    group_size=4, max_completion_len=192, learning_rate=1e-5, steps=10,
    description="function tasks solved with a sandboxed Python tool"))
