"""Code: generated function tasks for training; held-out generated tasks plus HumanEval for eval.

- train: tasks from ``code_tasks.py`` whose prompt hashes into the train split.
- eval: the first ``ceil(n * GENERATED_EVAL_SHARE)`` rows are held-out generated tasks (a
  signal the tiny model can move), the rest are HumanEval problems (never trained on).

Rows: ``prompt`` (the task; the expert's template asks for a ```python block), ``tests``
(asserts), ``entry_point``, ``answer`` (the trusted reference solution). The ``code_tests``
reward turns the asserts into input/expected cases with ``answer`` (rewards/code_cases.py),
so the model's program runs on inputs only (every generated task fits that shape). Departure from the
paper: V3.2 trains on competitive programming and real repositories; these tasks are sized
for a 135M model.

    from experts.datasets.code import build; build("eval", 8, seed=0)
"""
from __future__ import annotations

import math

from . import humaneval
from .code_tasks import Task, all_tasks
from .registry import register_dataset
from .rows import Row, make_row, split_pool

GENERATED_EVAL_SHARE = 0.5


def task_row(task: Task, domain: str, split: str, idx: int) -> Row:
    return make_row(domain, split, idx, task.prompt, tests=task.tests, entry_point=task.name, answer=task.solution)


def generated(domain: str, split: str, n: int, seed: int) -> list[Row]:
    """Up to ``n`` generated tasks of ``split`` (a seed-determined sample of the split's pool)."""
    pool = split_pool(list(all_tasks()), split, seed, lambda t: t.prompt)
    return [task_row(t, domain, split, i) for i, t in enumerate(pool[:n])]


def mixed(domain: str, split: str, n: int, seed: int, generated_eval_share: float = GENERATED_EVAL_SHARE) -> list[Row]:
    """train: generated only; eval: held-out generated first, then HumanEval."""
    if split == "train":
        return generated(domain, "train", n, seed)
    gen = generated(domain, "eval", math.ceil(n * generated_eval_share), seed)
    return gen + humaneval.rows(n - len(gen), seed, domain)


@register_dataset("code", required=("prompt", "tests"))
def build(split: str, n: int, seed: int) -> list[Row]:
    return mixed("code", split, n, seed)
