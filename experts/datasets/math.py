"""Math: procedurally generated arithmetic and one-step algebra with exact integer answers.

Difficulty levels (by default drawn with ``LEVEL_WEIGHTS``; easy ones dominate):

1. single-digit addition                    "What is 3 + 4?"
2. single-digit subtraction, 2-digit + 1-digit addition      "What is 9 - 4?", "What is 12 + 5?"
3. two-digit addition/subtraction, x + a = c                 "What is 23 + 45?", "Solve for x: x + 3 = 7."
4. one-step word problems, x - a = c, k * x = c              "Tom has 3 apples and buys 2 more. ..."
5. two operations, products                                  "What is 12 + 7 - 5?", "What is 6 * 7 + 3?"

``difficulty`` (config ``data.math.difficulty``) picks what is drawn: ``easy`` (levels 1-2; level 1
alone has only 100 problems, 18 of them held out), ``medium`` (3), ``hard`` (4-5), ``mixed`` (``LEVEL_WEIGHTS``, the default), one level number or
a list of them. Pick the band the model can learn from (some but not all samples right);
``posttrain calibrate`` measures it per prompt.

Why this easy: the embedded SmolLM2-135M gets two-number addition (2-30) in ``\\boxed{}``
right about 1 time in 128 at temperature 1 (DESIGN.md), and a GRPO group with all-zero
rewards teaches nothing. Measured on this generator (HF generate, T=1, 128 new tokens):
math_correctness 1/128 and a ``\boxed{}`` in 9% of samples, while the gold number appears
in the text of 44% of level-1 samples; so the expert's ``format`` shaping, not correctness,
is what gives most groups variance at first. Departure from the paper: V3.2 trains its math expert on
competition problems; this generator is a stand-in sized for a tiny model. The
"put your answer in \\boxed{}" instruction comes from the expert's prompt template.

    from experts.datasets.math import build; build("train", 8, seed=0, difficulty="easy")
"""
from __future__ import annotations

import random
from typing import Any, Callable

from .registry import register_dataset
from .rows import Difficulty, Row, level_table, unique_rows, weighted_choice

NAMES = ["Tom", "Ana", "Li", "Sara", "Omar", "Mia", "Ken", "Zoe", "Ravi", "Eva", "Noah", "Lena"]
ITEMS = ["apples", "books", "coins", "pens", "shells", "stickers", "cards", "marbles", "cookies", "stamps"]
LEVEL_WEIGHTS = {1: 0.4, 2: 0.3, 3: 0.15, 4: 0.15}
Problem = tuple[str, dict[str, Any]]


def _ans(value: int) -> dict[str, Any]:
    return {"answer": str(value)}


def _level1(rng: random.Random) -> Problem:
    a, b = rng.randint(0, 9), rng.randint(0, 9)
    return f"What is {a} + {b}?", _ans(a + b)


def _level2(rng: random.Random) -> Problem:
    if rng.random() < 0.5:
        a, b = sorted((rng.randint(0, 9), rng.randint(0, 9)), reverse=True)
        return f"What is {a} - {b}?", _ans(a - b)
    a, b = rng.randint(10, 99), rng.randint(1, 9)
    return (f"What is {a} + {b}?", _ans(a + b)) if rng.random() < 0.5 else (f"What is {b} + {a}?", _ans(a + b))


def _level3(rng: random.Random) -> Problem:
    a, b = rng.randint(10, 99), rng.randint(10, 99)
    kind = rng.choice(["add", "sub", "eq"])
    if kind == "add":
        return f"What is {a} + {b}?", _ans(a + b)
    if kind == "sub":
        a, b = max(a, b), min(a, b)
        return f"What is {a} - {b}?", _ans(a - b)
    x, k = rng.randint(0, 20), rng.randint(1, 20)
    return f"Solve for x: x + {k} = {x + k}.", _ans(x)


def _word(rng: random.Random) -> Problem:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    a, b = rng.randint(2, 12), rng.randint(1, 9)
    if rng.random() < 0.5:
        return (f"{name} has {a} {item} and buys {b} more. How many {item} does {name} have now?", _ans(a + b))
    a = a + b
    return f"{name} had {a} {item} and gave away {b}. How many {item} does {name} have left?", _ans(a - b)


def _level4(rng: random.Random) -> Problem:
    kind = rng.choice(["word", "word", "minus", "times"])
    if kind == "word":
        return _word(rng)
    x, k = rng.randint(0, 20), rng.randint(2, 9)
    if kind == "minus":
        return f"Solve for x: x - {k} = {x}.", _ans(x + k)
    return f"Solve for x: {k} * x = {k * x}.", _ans(x)


def _level5(rng: random.Random) -> Problem:
    if rng.random() < 0.5:
        a, b = rng.randint(10, 40), rng.randint(2, 9)
        c = rng.randint(1, a + b)
        return f"What is {a} + {b} - {c}?", _ans(a + b - c)
    a, b, c = rng.randint(2, 9), rng.randint(2, 9), rng.randint(1, 20)
    return f"What is {a} * {b} + {c}?", _ans(a * b + c)


LEVELS: dict[int, Callable[[random.Random], Problem]] = {1: _level1, 2: _level2, 3: _level3, 4: _level4, 5: _level5}
DIFFICULTIES: dict[str, dict[int, float]] = {"easy": {1: 0.5, 2: 0.5}, "medium": {3: 1.0}, "hard": {4: 0.5, 5: 0.5},
                                             "mixed": LEVEL_WEIGHTS}


def draw(rng: random.Random, table: dict[int, float] | None = None) -> Problem:
    return LEVELS[weighted_choice(rng, table or LEVEL_WEIGHTS)](rng)


@register_dataset("math", required=("prompt", "answer"), difficulties=tuple(DIFFICULTIES))
def build(split: str, n: int, seed: int, difficulty: Difficulty = None) -> list[Row]:
    """``n`` distinct problems of ``split``, levels mixed by ``LEVEL_WEIGHTS`` or chosen by ``difficulty``."""
    if difficulty is None:
        return unique_rows("math", split, n, seed, draw)
    table = level_table(difficulty, tuple(LEVELS), DIFFICULTIES)
    return unique_rows("math", split, n, seed, lambda rng: draw(rng, table))
