"""Writing/QA: project-written prompts in ``data/writing.jsonl``, each with its own rubric.

File lines: ``{id, kind, prompt, rubric: [{criterion, weight}]}`` (2-4 criteria). Kinds:
email, message, explain, summary (of a passage given in the prompt), qa, poem, advice,
describe, compare. The split is stratified by kind and fixed: within each kind (file order)
every 4th prompt, starting with the second, is eval (26 of 104), so eval covers every kind
and never overlaps train. New prompts go at the end of the file: a prompt's position in its
kind, hence its split, then never changes. The seed only
shuffles the order. The ``rubric_judge`` reward scores answers against the constitution
plus the row's rubric. Departure from the paper: V3.2 uses a large prompt set and a trained
generative reward model; this is a small hand-written set judged by a small model.

    from experts.datasets.writing import build; build("eval", 100, seed=0)  # all 26
"""
from __future__ import annotations

import json
import random
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from .registry import register_dataset
from .rows import Row, check_split, make_row

DATA = Path(__file__).resolve().parents[2] / "data" / "writing.jsonl"
EVAL_EVERY, EVAL_OFFSET = 4, 1


def _parse(line: str, where: str) -> dict[str, Any]:
    rec = json.loads(line)
    rubric = rec.get("rubric")
    if not rec.get("id") or not rec.get("prompt") or not isinstance(rubric, list) or not 2 <= len(rubric) <= 4:
        raise ValueError(f"{where}: needs id, prompt and a rubric of 2-4 {{criterion, weight}}")
    rec["rubric"] = [{"criterion": str(c["criterion"]), "weight": float(c["weight"])} for c in rubric]
    return rec


@lru_cache(maxsize=1)
def prompts() -> tuple[dict[str, Any], ...]:
    """Every prompt of the file, with a ``split`` key added."""
    lines = [(i, ln) for i, ln in enumerate(DATA.read_text(encoding="utf-8").splitlines(), 1) if ln.strip()]
    records = [_parse(ln, f"{DATA}:{i}") for i, ln in lines]
    seen_in_kind: dict[str, int] = defaultdict(int)
    for rec in records:
        pos = seen_in_kind[rec.get("kind", "")]
        seen_in_kind[rec.get("kind", "")] += 1
        rec["split"] = "eval" if pos % EVAL_EVERY == EVAL_OFFSET else "train"
    return tuple(records)


@register_dataset("writing", required=("prompt",))
def build(split: str, n: int, seed: int) -> list[Row]:
    """Up to ``n`` prompts of ``split`` (78 train, 26 eval), shuffled by seed."""
    pool = [p for p in prompts() if p["split"] == check_split(split)]
    random.Random(f"writing:{split}:{seed}").shuffle(pool)
    return [make_row("writing", split, p["id"], p["prompt"], rubric=[dict(c) for c in p["rubric"]]) for p in pool[:n]]
