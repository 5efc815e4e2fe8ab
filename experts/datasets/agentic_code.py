"""Agentic code: the code domain's tasks, solved with a sandboxed ``run_python`` tool available.

Same pools as ``code.py`` (train: generated tasks; eval: held-out generated tasks and
HumanEval), drawn with a different seed stream so the two experts see different samples.
Because the split is a function of the prompt text, no eval prompt of either code domain
is ever a training prompt of the other. The tool is named by the expert spec and the
expert's template tells the model it may test its code; the reward is ``code_tests`` on
the final answer. Departure from the paper: V3.2's agentic coding uses real repositories
and environments; here the "environment" is a Python sandbox.

    from experts.datasets.agentic_code import build; build("train", 4, seed=0)
"""
from __future__ import annotations

from .code import mixed
from .registry import register_dataset
from .rows import Row

SEED_OFFSET = 7919


@register_dataset("agentic_code", required=("prompt", "tests"))
def build(split: str, n: int, seed: int) -> list[Row]:
    return mixed("agentic_code", split, n, seed + SEED_OFFSET)
