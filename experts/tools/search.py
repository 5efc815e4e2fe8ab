"""BM25 search over the fictional knowledge base (``data/search_corpus.jsonl``).

    from experts.tools.search import SearchTool, search
    SearchTool().search("Who founded Brevel Corp?", k=3)   # formatted top-3 documents
    search("Brevel Corp")                                   # the TRL tool (k=3, default corpus)

Documents are indexed by title + text, lower-cased alphanumeric tokens without common
English stop words (rank-bm25 ``BM25Okapi``). The index is built once per corpus path and
cached. Output is bounded (``MAX_OUTPUT_CHARS``); bad input returns an ``error: ...`` string.
Departure from the paper: V3.2's search agent uses a web search API; this is a local
retriever so the environment is deterministic and offline.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..datasets.search import CORPUS, load_corpus

MAX_QUERY_CHARS = 500
MAX_OUTPUT_CHARS = 1500
MAX_K = 10
STOP_WORDS = frozenset(
    "a an and are as at be by did does for from has have he her his how in is it its of on or she that the their "
    "this to was were what when where which who whom whose why with".split())


def tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in STOP_WORDS]


class SearchTool:
    """A BM25 index over a JSONL corpus of ``{id, title, text}`` documents."""

    def __init__(self, corpus: str | Path = CORPUS):
        from rank_bm25 import BM25Okapi

        self.docs = load_corpus(str(corpus))
        self.bm25 = BM25Okapi([tokens(f"{d['title']} {d['text']}") or ["_"] for d in self.docs])

    def top(self, query: str, k: int = 3) -> list[dict[str, Any]]:
        """The best ``k`` documents with a positive score, best first."""
        scores = self.bm25.get_scores(tokens(query[:MAX_QUERY_CHARS]))
        best = sorted(range(len(self.docs)), key=lambda i: (-scores[i], i))[:k]
        return [self.docs[i] for i in best if scores[i] > 0]

    def search(self, query: str, k: int = 3) -> str:
        """The top-``k`` documents formatted as text, or an ``error: ...`` string."""
        if not isinstance(query, str) or not query.strip():
            return "error: query must be a non-empty string"
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            return f"error: k must be an integer from 1 to {MAX_K}"
        hits = self.top(query, k)
        if not hits:
            return "no results"
        text = "\n".join(f"[{i}] {d['title']}: {d['text']}" for i, d in enumerate(hits, 1))
        return text if len(text) <= MAX_OUTPUT_CHARS else text[:MAX_OUTPUT_CHARS - 3] + "..."


@lru_cache(maxsize=4)
def get_search_tool(corpus: str = str(CORPUS)) -> SearchTool:
    """The cached index for ``corpus``."""
    return SearchTool(corpus)


def search(query: str) -> str:
    """Search the knowledge base about people, places, companies and inventions.

    Args:
        query: What to look for, for example a company, person or city name.

    Returns:
        The best matching documents, one per line, or a message saying nothing was found.
    """
    try:
        return get_search_tool().search(query, k=3)
    except Exception as e:  # noqa: BLE001 - a tool never crashes the rollout
        return f"error: search failed: {type(e).__name__}"
