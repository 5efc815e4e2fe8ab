"""Generate data/search_corpus.jsonl: a knowledge base of 200 FICTIONAL entities.

None of these entities exist, so a model cannot answer questions about them from memory:
it has to search. Kinds: 12 countries (capital, currency), 40 cities (country, founding
year), 70 people (birth year, birth city, profession), 48 companies (founder, founding
year, headquarters, product) and 30 inventions (inventor, year, use). Every entity name
uses words found in no other name, so a name identifies one document. Facts are
consistent (a capital lies in its country; founders and inventors are adults by then).

One JSON object per line: ``{id, title, kind, facts, text}``. The search tool indexes
``title`` and ``text``; ``experts/datasets/search.py`` derives single-hop and two-hop
questions from ``facts``. Deterministic: rerunning writes a byte-identical file (a unit
test checks that the shipped file matches ``generate()``).

    python data/make_search_corpus.py
"""
from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20251
SYLLABLES = ["zor", "bla", "qui", "nex", "tal", "vor", "mip", "dra", "lun", "kef", "sar", "tob", "vel", "rin",
             "gho", "pax", "mur", "fen", "oda", "jas", "wim", "ulo", "bre", "cai"]
JOBS = ["astronomer", "glassblower", "cartographer", "beekeeper", "violinist", "engineer", "botanist", "chef",
        "architect", "potter", "linguist", "sculptor"]
PRODUCTS = ["solar kettles", "paper drones", "glass bicycles", "wind clocks", "silk batteries", "cloud maps",
            "rubber bridges", "clay radios", "sand filters", "ice lanterns", "copper gloves", "moss bricks"]
USES = ["measure the humidity of caves", "sort seeds by weight", "tune church bells", "dry fishing nets",
        "count passing birds", "warm bread without fire", "detect hidden springs", "copy maps onto cloth"]
OBJECTS = ["lamp", "loom", "compass", "pump", "kiln", "sextant", "press", "scale", "telescope", "valve"]
COUNTS = {"country": 12, "city": 40, "person": 70, "company": 48, "invention": 30}


class Words:
    """Unique capitalised pseudo-words: no word is handed out twice."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def __call__(self, parts: int = 2, suffix: str = "") -> str:
        while True:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(parts)).capitalize() + suffix
            if word.lower() not in self.used:
                self.used.add(word.lower())
                return word


def _doc(kind: str, i: int, title: str, facts: dict, text: str) -> dict:
    return {"id": f"{kind}-{i:03d}", "title": title, "kind": kind, "facts": facts, "text": text}


def _places(rng: random.Random, word: Words) -> tuple[list[dict], list[dict]]:
    countries = [{"name": word(2, rng.choice(["ia", "land", "stan"])), "currency": word(2).lower()}
                 for _ in range(COUNTS["country"])]
    cities = [{"name": word(2, rng.choice(["ville", "port", "burg", "a", "holm"])), "country": countries[i % len(countries)],
               "founded": rng.randint(1100, 1890)} for i in range(COUNTS["city"])]
    docs = []
    for i, c in enumerate(countries):
        c["capital"] = next(city["name"] for city in cities if city["country"] is c)
        docs.append(_doc("country", i, c["name"], {"capital": c["capital"], "currency": c["currency"]},
                         f"{c['name']} is a country. Its capital is {c['capital']} and its currency is the {c['currency']}."))
    for i, c in enumerate(cities):
        docs.append(_doc("city", i, c["name"], {"country": c["country"]["name"], "founded": str(c["founded"])},
                         f"{c['name']} is a city in {c['country']['name']}. It was founded in {c['founded']}."))
    return cities, docs


def _people(rng: random.Random, word: Words, cities: list[dict]) -> list[dict]:
    docs = []
    for i in range(COUNTS["person"]):
        name, city, job, year = f"{word(2)} {word(3)}", rng.choice(cities)["name"], rng.choice(JOBS), rng.randint(1890, 1975)
        docs.append(_doc("person", i, name, {"born_year": str(year), "born_city": city, "job": job},
                         f"{name} is a {job} who was born in {city} in {year}."))
    return docs


def _works(rng: random.Random, word: Words, cities: list[dict], people: list[dict]) -> list[dict]:
    docs = []
    for i in range(COUNTS["company"]):
        founder = rng.choice(people)
        name, hq, product = f"{word(2)} {rng.choice(['Corp', 'Labs', 'Works', 'Industries'])}", rng.choice(cities)["name"], rng.choice(PRODUCTS)
        year = int(founder["facts"]["born_year"]) + rng.randint(25, 45)
        docs.append(_doc("company", i, name, {"founder": founder["title"], "founded": str(year), "hq": hq, "product": product},
                         f"{name} is a company that makes {product}. It was founded in {year} by {founder['title']} "
                         f"and has its headquarters in {hq}."))
    for i in range(COUNTS["invention"]):
        inventor, name, use = rng.choice(people), f"{word(2)} {rng.choice(OBJECTS)}", rng.choice(USES)
        year = int(inventor["facts"]["born_year"]) + rng.randint(22, 50)
        docs.append(_doc("invention", i, name, {"inventor": inventor["title"], "year": str(year), "use": use},
                         f"The {name} is a device invented by {inventor['title']} in {year}. It is used to {use}."))
    return docs


def generate(seed: int = SEED) -> list[dict]:
    """All 200 documents, in a fixed order."""
    rng = random.Random(seed)
    word = Words(rng)
    cities, place_docs = _places(rng, word)
    people = _people(rng, word, cities)
    return place_docs + people + _works(rng, word, cities, people)


def render(docs: list[dict]) -> str:
    return "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in docs)


if __name__ == "__main__":
    out = Path(__file__).with_name("search_corpus.jsonl")
    out.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {out}")
