"""Agentic search expert: questions about fictional entities, answered with a BM25 search tool.

Single-hop ("Who founded Ghosar Corp?") and two-hop ("In which city was the founder of
Ghosar Corp born?") questions over data/search_corpus.jsonl. The reward is exact match on
the final answer.
"""
from __future__ import annotations

import json
import random
from typing import Any

from .base import ExpertSpec, register_expert, unique_rows
from .tools.search import CORPUS, search


def _companies() -> list[dict[str, Any]]:
    return [d for d in map(json.loads, CORPUS.read_text().splitlines()) if d["id"].startswith("company-")]


def _question(rng: random.Random, companies: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    c = rng.choice(companies)
    kind = rng.choice(["founder", "hq", "year", "founder_city"])
    q = {"founder": f"Who founded {c['title']}?", "hq": f"In which city are the headquarters of {c['title']}?",
         "year": f"In which year was {c['title']} founded?",
         "founder_city": f"In which city was the founder of {c['title']} born?"}[kind]
    return q, {"answer": str(c[kind])}


def build(split: str, n: int, seed: int) -> list[dict[str, Any]]:
    companies = _companies()
    return unique_rows("agentic_search", split, n, seed, lambda rng: _question(rng, companies))


SPEC = register_expert(ExpertSpec(
    domain="agentic_search", build=build,
    prompt_template="{prompt} Use the search tool to look it up, then put the final answer in \\boxed{{}}.",
    rewards=({"name": "exact_match", "weight": 1.0},), tools=(search,),
    group_size=4, max_completion_len=160, learning_rate=1e-5, steps=10,
    description="multi-hop QA over a fictional knowledge base with a BM25 search tool"))
