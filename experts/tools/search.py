"""BM25 search over the shipped fictional knowledge base (data/search_corpus.jsonl)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "data" / "search_corpus.jsonl"
MAX_QUERY_CHARS = 500


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@lru_cache(maxsize=1)
def _index():
    from rank_bm25 import BM25Okapi

    docs = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    return docs, BM25Okapi([_tokens(d["title"] + " " + d["text"]) for d in docs])


def search_docs(query: str, k: int = 3) -> list[dict]:
    docs, bm25 = _index()
    scores = bm25.get_scores(_tokens(str(query)[:MAX_QUERY_CHARS]))
    best = sorted(range(len(docs)), key=lambda i: -scores[i])[:k]
    return [docs[i] for i in best if scores[i] > 0]


def search(query: str) -> str:
    """Search the knowledge base for documents about people, companies and cities.

    Args:
        query: Keywords to search for, for example a company or person name.

    Returns:
        The text of the best matching documents, one per line.
    """
    if not isinstance(query, str) or not query.strip():
        return "error: query must be a non-empty string"
    hits = search_docs(query)
    return "\n".join(f"[{d['title']}] {d['text']}" for d in hits) or "no results"
