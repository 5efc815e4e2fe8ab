"""Agentic search expert: single- and two-hop questions about fictional entities, with BM25 search.

The entities exist only in ``data/search_corpus.jsonl``, so the answer must come from the
``search`` tool. Reward: ``exact_match`` on the ``\\boxed{}`` answer plus ``format`` shaping.
Departure from the paper: a local BM25 index stands in for web search.
"""
from __future__ import annotations

from .base import ExpertSpec, lora, register_expert
from .tools.search import search


@register_expert("agentic_search")
def agentic_search_expert() -> ExpertSpec:
    return ExpertSpec(
        domain="agentic_search",
        prompt_template=("{prompt}\nThe answer is not common knowledge: use the search tool to look it up, "
                         "then put the final answer in \\boxed{{}}."),
        rewards=({"name": "exact_match", "weight": 1.0},
                 {"name": "format", "weight": 0.1, "params": {"require_boxed": True}}),
        tools=(search,),
        group_size=4, max_prompt_len=512, max_tokens=256, learning_rate=1e-4, steps=10,
        kl_beta=0.01, lora=lora(16, 32), mode="thinking",
        description="single- and two-hop QA over a fictional knowledge base with a BM25 search tool")
