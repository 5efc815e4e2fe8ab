"""Logic: generated puzzles with short verifiable answers (a name, yes/no, a number, a list).

Kinds: comparisons of two or three people ("Alice is taller than Bob. Who is taller?"),
boolean connectives ("A is true and B is false. Is 'A and B' true?"), number sequences
("2, 4, 6, 8, ?"), sorting a few numbers (answer "2, 5, 7"), and the larger of two numbers.
Two-way comparisons and yes/no questions give even a guessing model about half right, so
GRPO groups have reward variance. Answers are scored by ``exact_match`` (lists item by item);
the expert's template asks for ``\\boxed{}``. Departure from the paper: V3.2 does not publish
its logic tasks; these are a small stand-in.

Difficulty levels (config ``data.logic.difficulty``): 1 = two-way questions (two-person
comparisons, the larger of two numbers), 2 = boolean connectives and three-person orderings,
3 = sequences and sorting (an answer to build, not to pick). Names: ``easy`` (1), ``medium`` (2),
``hard`` (3), ``mixed`` (every kind by ``KINDS``, the default); or a level number / list of them.

    from experts.datasets.logic import build; build("train", 8, seed=0, difficulty="easy")
"""
from __future__ import annotations

import random
from typing import Any, Callable

from .registry import register_dataset
from .rows import Difficulty, Row, level_table, unique_rows, weighted_choice

PEOPLE = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy"]
RELATIONS = [("taller", "shorter", "tallest", "shortest"), ("older", "younger", "oldest", "youngest"),
             ("faster", "slower", "fastest", "slowest"), ("heavier", "lighter", "heaviest", "lightest")]
Puzzle = tuple[str, dict[str, Any]]


def _yes_no(value: bool) -> dict[str, Any]:
    return {"answer": "yes" if value else "no"}


def _compare2(rng: random.Random) -> Puzzle:
    a, b = rng.sample(PEOPLE, 2)
    more, less, _, _ = rng.choice(RELATIONS)
    if rng.random() < 0.5:
        return f"{a} is {more} than {b}. Who is {more}?", {"answer": a}
    return f"{a} is {more} than {b}. Who is {less}?", {"answer": b}


def _compare3(rng: random.Random) -> Puzzle:
    a, b, c = rng.sample(PEOPLE, 3)
    more, _, most, least = rng.choice(RELATIONS)
    facts = [f"{a} is {more} than {b}.", f"{b} is {more} than {c}."]
    rng.shuffle(facts)
    top = rng.random() < 0.5
    return f"{' '.join(facts)} Who is the {most if top else least}?", {"answer": a if top else c}


BOOL_NAMES = [("A", "B"), ("P", "Q"), ("X", "Y")]
BOOL_EXPRS: dict[str, Callable[[bool, bool], bool]] = {
    "{a} and {b}": lambda x, y: x and y, "{a} or {b}": lambda x, y: x or y, "not {a}": lambda x, y: not x,
    "not {b}": lambda x, y: not y, "{a} and not {b}": lambda x, y: x and not y,
    "{a} or not {b}": lambda x, y: x or not y, "not ({a} and {b})": lambda x, y: not (x and y)}


def _boolean(rng: random.Random) -> Puzzle:
    (a, b), x, y = rng.choice(BOOL_NAMES), rng.choice([True, False]), rng.choice([True, False])
    expr = rng.choice(list(BOOL_EXPRS))
    return (f"{a} is {str(x).lower()} and {b} is {str(y).lower()}. Is '{expr.format(a=a, b=b)}' true? "
            "Answer yes or no.", _yes_no(BOOL_EXPRS[expr](x, y)))


def _sequence(rng: random.Random) -> Puzzle:
    start = rng.randint(1, 10)
    kind = rng.choice(["up", "up", "down", "double"])
    if kind == "double":
        seq = [start * 2**i for i in range(5)]
    else:
        step = rng.randint(1, 5) * (1 if kind == "up" else -1)
        start = start if kind == "up" else start + 30
        seq = [start + i * step for i in range(5)]
    return f"What number comes next: {', '.join(map(str, seq[:4]))}, ?", {"answer": str(seq[4])}


def _sort(rng: random.Random) -> Puzzle:
    nums = rng.sample(range(1, 20), rng.choice([3, 3, 4]))
    return (f"Sort these numbers from smallest to largest: {', '.join(map(str, nums))}.",
            {"answer": ", ".join(map(str, sorted(nums)))})


def _larger(rng: random.Random) -> Puzzle:
    a, b = rng.sample(range(1, 100), 2)
    if rng.random() < 0.5:
        return f"Which number is larger, {a} or {b}?", {"answer": str(max(a, b))}
    return f"Is {a} greater than {b}? Answer yes or no.", _yes_no(a > b)


KINDS: dict[Callable[[random.Random], Puzzle], float] = {
    _compare2: 0.2, _compare3: 0.2, _boolean: 0.2, _sequence: 0.15, _sort: 0.1, _larger: 0.15}


LEVELS: dict[int, dict[Callable[[random.Random], Puzzle], float]] = {
    1: {_compare2: 0.5, _larger: 0.5}, 2: {_boolean: 0.5, _compare3: 0.5}, 3: {_sequence: 0.6, _sort: 0.4}}
DIFFICULTIES: dict[str, dict[int, float]] = {"easy": {1: 1.0}, "medium": {2: 1.0}, "hard": {3: 1.0}, "mixed": {}}


def draw(rng: random.Random, table: dict[int, float] | None = None) -> Puzzle:
    kinds = LEVELS[weighted_choice(rng, table)] if table else KINDS
    return weighted_choice(rng, kinds)(rng)


@register_dataset("logic", required=("prompt", "answer"), difficulties=tuple(DIFFICULTIES))
def build(split: str, n: int, seed: int, difficulty: Difficulty = None) -> list[Row]:
    """``n`` distinct puzzles of ``split``: every kind by ``KINDS``, or the levels ``difficulty`` picks."""
    table = None if difficulty in (None, "mixed") else level_table(difficulty, tuple(LEVELS), DIFFICULTIES)
    return unique_rows("logic", split, n, seed, lambda rng: draw(rng, table))
