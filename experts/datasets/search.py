"""Agentic search: questions about the fictional entities of ``data/search_corpus.jsonl``.

Questions are derived from each document's ``facts``: single-hop ("Who founded Brevel
Corp?") and two-hop, which need a second search after the first answer ("In which city was
the founder of Brevel Corp born?"). Answers are exact strings from the corpus (a name, a
city, a year, a product); the reward is ``exact_match``. The split is by a hash of the
question text. ``questions()`` also returns the ids of the documents a question needs, so
tests can measure retrieval. Departure from the paper: V3.2 searches the real web with a
trained agent; here the "web" is 200 generated documents behind a BM25 tool.

    python data/make_search_corpus.py      # regenerate the corpus (deterministic)
    from experts.datasets.search import questions; questions()[0]
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .registry import register_dataset
from .rows import Row, make_row, split_pool

CORPUS = Path(__file__).resolve().parents[2] / "data" / "search_corpus.jsonl"

# kind -> [(fact, question)]
SINGLE_HOP = {
    "person": [("born_year", "In which year was {t} born?"), ("born_city", "In which city was {t} born?"),
               ("job", "What is the profession of {t}?")],
    "company": [("founder", "Who founded {t}?"), ("founded", "In which year was {t} founded?"),
                ("hq", "In which city is {t} headquartered?"), ("product", "What does {t} make?")],
    "city": [("country", "In which country is {t}?"), ("founded", "In which year was {t} founded?")],
    "country": [("capital", "What is the capital of {t}?"), ("currency", "What is the currency of {t}?")],
    "invention": [("inventor", "Who invented the {t}?"), ("year", "In which year was the {t} invented?")],
}
# kind -> [(fact naming another entity, that entity's fact, question)]
TWO_HOP = {
    "company": [("founder", "born_city", "In which city was the founder of {t} born?"),
                ("founder", "job", "What is the profession of the founder of {t}?"),
                ("hq", "country", "In which country are the headquarters of {t}?")],
    "invention": [("inventor", "born_year", "In which year was the inventor of the {t} born?")],
    "city": [("country", "capital", "What is the capital of the country that {t} is in?")],
}


@dataclass(frozen=True)
class Question:
    prompt: str
    answer: str
    doc_ids: tuple[str, ...]  # the documents needed, in hop order


@lru_cache(maxsize=4)
def load_corpus(path: str | Path = CORPUS) -> tuple[dict[str, Any], ...]:
    """The corpus documents ``{id, title, kind, facts, text}``."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def _questions_for(doc: dict[str, Any], by_title: dict[str, dict[str, Any]]) -> list[Question]:
    out = [Question(q.format(t=doc["title"]), doc["facts"][fact], (doc["id"],))
           for fact, q in SINGLE_HOP.get(doc["kind"], [])]
    for link, fact, q in TWO_HOP.get(doc["kind"], []):
        other = by_title[doc["facts"][link]]
        out.append(Question(q.format(t=doc["title"]), other["facts"][fact], (doc["id"], other["id"])))
    return out


@lru_cache(maxsize=4)
def questions(path: str | Path = CORPUS) -> tuple[Question, ...]:
    """Every question the corpus supports, in corpus order."""
    docs = load_corpus(path)
    by_title = {d["title"]: d for d in docs}
    return tuple(q for d in docs for q in _questions_for(d, by_title))


@register_dataset("agentic_search", required=("prompt", "answer"))
def build(split: str, n: int, seed: int) -> list[Row]:
    pool = split_pool(list(questions()), split, seed, lambda q: q.prompt)
    return [make_row("agentic_search", split, i, q.prompt, answer=q.answer) for i, q in enumerate(pool[:n])]
