"""Logic expert: generated puzzles with verifiable short answers (names, yes/no, numbers).

Kinds: ordering by height/age (who is tallest?), boolean connectives (is A and B true?),
arithmetic sequences (next number), and parity. Answers are scored by ``exact_match``.
"""
from __future__ import annotations

import random
from typing import Any

from .base import ExpertSpec, register_expert, unique_rows

PEOPLE = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi"]


def _order(rng: random.Random) -> tuple[str, dict[str, Any]]:
    a, b, c = rng.sample(PEOPLE, 3)
    rel, q = rng.choice([("taller", "tallest"), ("older", "oldest"), ("faster", "fastest")])
    return f"{a} is {rel} than {b}. {b} is {rel} than {c}. Who is the {q}?", {"answer": a}


def _boolean(rng: random.Random) -> tuple[str, dict[str, Any]]:
    x, y = rng.choice([True, False]), rng.choice([True, False])
    op = rng.choice(["and", "or"])
    val = (x and y) if op == "and" else (x or y)
    return (f"A is {str(x).lower()} and B is {str(y).lower()}. Is 'A {op} B' true? Answer yes or no.",
            {"answer": "yes" if val else "no"})


def _sequence(rng: random.Random) -> tuple[str, dict[str, Any]]:
    start, step = rng.randint(1, 10), rng.randint(1, 5)
    seq = [start + i * step for i in range(4)]
    return f"What number comes next: {', '.join(map(str, seq))}, ?", {"answer": str(start + 4 * step)}


def _parity(rng: random.Random) -> tuple[str, dict[str, Any]]:
    n = rng.randint(1, 99)
    return f"Is {n} an even number? Answer yes or no.", {"answer": "yes" if n % 2 == 0 else "no"}


def build(split: str, n: int, seed: int) -> list[dict[str, Any]]:
    return unique_rows("logic", split, n, seed, lambda rng: rng.choice([_order, _boolean, _sequence, _parity])(rng))


SPEC = register_expert(ExpertSpec(
    domain="logic", build=build,
    prompt_template="{prompt} Put the final answer in \\boxed{{}}.",
    rewards=({"name": "exact_match", "weight": 1.0}, {"name": "format", "weight": 0.1, "params": {"require_boxed": True}}),
    group_size=8, max_completion_len=96, learning_rate=2e-5, steps=20,
    description="ordering, boolean, sequence and parity puzzles"))
