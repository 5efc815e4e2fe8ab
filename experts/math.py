"""Math expert: procedurally generated arithmetic and algebra word problems with exact answers.

Difficulty is kept low on purpose: the embedded 135M model gets two-number addition right
about 1 time in 128 at temperature 1 (DESIGN.md), so single-digit sums, small differences,
one-step equations and one-step word problems give GRPO groups some reward variance.
"""
from __future__ import annotations

import random
from typing import Any

from .base import ExpertSpec, register_expert, unique_rows

NAMES = ["Tom", "Ana", "Li", "Sara", "Omar", "Mia", "Ken", "Zoe", "Ravi", "Eva"]
ITEMS = ["apples", "books", "coins", "pens", "shells", "stickers", "cards", "marbles"]


def _problem(rng: random.Random) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(["add", "add", "sub", "mul", "eq", "word"])
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    if kind == "add":
        return f"What is {a} + {b}?", {"answer": str(a + b)}
    if kind == "sub":
        a, b = max(a, b) + rng.randint(0, 9), min(a, b)
        return f"What is {a} - {b}?", {"answer": str(a - b)}
    if kind == "mul":
        return f"What is {a} * {b}?", {"answer": str(a * b)}
    if kind == "eq":
        c = a + b
        return f"Solve for x: x + {a} = {c}.", {"answer": str(b)}
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    return f"{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?", {"answer": str(a + b)}


def build(split: str, n: int, seed: int) -> list[dict[str, Any]]:
    return unique_rows("math", split, n, seed, _problem)


SPEC = register_expert(ExpertSpec(
    domain="math", build=build,
    prompt_template="{prompt} Put the final answer in \\boxed{{}}.",
    rewards=({"name": "math_correctness", "weight": 1.0},
             {"name": "format", "weight": 0.1, "params": {"require_boxed": True}},
             {"name": "length_penalty", "weight": 0.1, "params": {"max_len": 128, "buffer": 32}},
             {"name": "language_consistency", "weight": 0.1}),
    group_size=8, max_completion_len=96, learning_rate=2e-5, steps=20, kl_beta=0.0,
    description="arithmetic and one-step algebra with \\boxed{} answers"))
