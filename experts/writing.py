"""Writing/QA expert: project-written prompts (data/writing.jsonl), each with its own rubric.

The rubric is a list of ``{criterion, weight}``; the ``rubric_judge`` reward scores each
response against the constitution plus this rubric. Prompts are split deterministically
into train and eval by a hash of their text.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .base import ExpertSpec, in_eval_split, make_row, register_expert

DATA = Path(__file__).resolve().parents[1] / "data" / "writing.jsonl"


@lru_cache(maxsize=1)
def _prompts() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(line) for line in DATA.read_text().splitlines() if line.strip())


def build(split: str, n: int, seed: int) -> list[dict[str, Any]]:
    import random

    pool = [p for p in _prompts() if in_eval_split(p["prompt"], 0.25) == (split == "eval")]
    random.Random(f"{seed}:{split}").shuffle(pool)
    return [make_row("writing", split, i, p["prompt"], rubric=p["rubric"], id=p["id"]) for i, p in enumerate(pool[:n])]


SPEC = register_expert(ExpertSpec(
    domain="writing", build=build,
    rewards=({"name": "rubric_judge", "weight": 1.0},),
    group_size=4, max_completion_len=128, learning_rate=1e-5, steps=10, kl_beta=0.01,
    description="short writing and QA prompts with per-prompt rubrics, judged against the constitution"))
