"""Generate data/search_corpus.jsonl: a knowledge base of fictional entities.

Answers cannot come from a model's memory because none of these entities exist. Each
company document names its founder, founding year and headquarters city; each person
document names a birth city and a profession. Questions are single-hop (founder of X?) and
two-hop (in which city was the founder of X born?). Deterministic: rerunning rewrites the
same file.

    python data/make_search_corpus.py
"""
from __future__ import annotations

import json
import random
from pathlib import Path

SYL = ["zor", "bla", "qui", "nex", "tal", "vor", "mip", "dra", "lun", "kef", "sar", "tob", "vel", "rin", "gho", "pax"]
JOBS = ["astronomer", "glassblower", "cartographer", "beekeeper", "violinist", "engineer", "botanist", "chef"]


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYL) for _ in range(parts)).capitalize()


def generate(seed: int = 7, n_people: int = 80, n_companies: int = 80, n_cities: int = 30) -> list[dict]:
    rng = random.Random(seed)
    cities = sorted({_name(rng, 2) + rng.choice(["ville", "port", "burg", "a"]) for _ in range(n_cities * 2)})[:n_cities]
    people, docs = [], []
    for i in range(n_people):
        person = {"name": f"{_name(rng, 2)} {_name(rng, 3)}", "city": rng.choice(cities), "job": rng.choice(JOBS),
                  "year": rng.randint(1900, 1990)}
        people.append(person)
        docs.append({"id": f"person-{i:03d}", "title": person["name"],
                     "text": f"{person['name']} is a {person['job']} born in {person['city']} in {person['year']}."})
    for i in range(n_companies):
        founder = rng.choice(people)
        name = f"{_name(rng, 2)} {rng.choice(['Corp', 'Labs', 'Works', 'Industries'])}"
        hq, year = rng.choice(cities), rng.randint(1950, 2020)
        docs.append({"id": f"company-{i:03d}", "title": name, "founder": founder["name"], "founder_city": founder["city"],
                     "hq": hq, "year": year,
                     "text": f"{name} was founded by {founder['name']} in {year}. Its headquarters are in {hq}."})
    return docs


if __name__ == "__main__":
    out = Path(__file__).with_name("search_corpus.jsonl")
    with out.open("w") as f:
        for d in generate():
            f.write(json.dumps(d) + "\n")
    print(f"wrote {out}")
