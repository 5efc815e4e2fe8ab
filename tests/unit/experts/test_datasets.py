"""Domain datasets: schema, held-out splits, determinism, gold answers, external sources.

    .venv/bin/python -m pytest -q tests/unit/experts/test_datasets.py -p no:cacheprovider
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before `datasets` is imported: the hub test must fail fast

from experts.datasets import ROW_KEYS, DataSourceError, load_domain, load_rows, row_features  # noqa: E402
from experts.datasets.code_tasks import all_tasks  # noqa: E402
from experts.datasets.humaneval import problems  # noqa: E402
from experts.datasets.search import CORPUS, load_corpus, questions  # noqa: E402
from experts.datasets.writing import prompts as writing_prompts  # noqa: E402

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # repo root at any depth
DOMAINS = ["math", "code", "logic", "writing", "agentic_code", "agentic_search"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_schema_split_and_determinism(domain):
    train, ev = load_domain(domain, "train", 40, 0), load_domain(domain, "eval", 12, 0)
    assert len(train) >= 30 and len(ev) == 12
    for ds in (train, ev):
        assert ds.features == row_features() and tuple(ds.column_names) == ROW_KEYS
    rows = train.to_list() + ev.to_list()
    for split, ds in (("train", train), ("eval", ev)):
        for r in ds:
            assert r["domain"] == domain and r["prompt"].strip() and r["language"] == "en"
            assert r["id"].startswith(f"{domain}-{split}-")
            assert all(r[k] is None or isinstance(r[k], str) for k in ("answer", "tests", "entry_point"))
    assert len({r["id"] for r in rows}) == len(rows)
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in ev}
    assert load_domain(domain, "train", 40, 0).to_list() == train.to_list()


@pytest.mark.parametrize("domain", ["math", "logic", "code", "agentic_search"])
def test_seed_changes_the_sample_not_the_split(domain):
    a, b = load_rows(domain, "train", 30, 0), load_rows(domain, "train", 30, 1)
    assert [r["prompt"] for r in a] != [r["prompt"] for r in b]
    held_out = {r["prompt"] for s in (0, 1, 2) for r in load_rows(domain, "eval", 30, s)}
    assert not held_out & {r["prompt"] for s in (0, 1, 2) for r in load_rows(domain, "train", 200, s)}


def test_code_domains_share_no_prompt_across_splits():
    train = {r["prompt"] for d in ("code", "agentic_code") for r in load_rows(d, "train", 500, 0)}
    ev = {r["prompt"] for d in ("code", "agentic_code") for r in load_rows(d, "eval", 500, 0)}
    assert len(train) > 250 and not train & ev


def test_domains_interleave_into_one_dataset():
    from datasets import concatenate_datasets, interleave_datasets

    parts = [load_domain(d, "train", 6, 0) for d in DOMAINS]
    mixed = interleave_datasets(parts, seed=0)
    assert set(mixed["domain"]) == set(DOMAINS)
    assert len(concatenate_datasets(parts)) == sum(len(p) for p in parts)


def _solve_math(prompt: str) -> int:
    if m := re.fullmatch(r"What is (\d+) ([+-]) (\d+)\?", prompt):
        a, b = int(m[1]), int(m[3])
        return a + b if m[2] == "+" else a - b
    if m := re.fullmatch(r"Solve for x: x ([+-]) (\d+) = (\d+)\.", prompt):
        return int(m[3]) - int(m[2]) if m[1] == "+" else int(m[3]) + int(m[2])
    if m := re.fullmatch(r"Solve for x: (\d+) \* x = (\d+)\.", prompt):
        assert int(m[2]) % int(m[1]) == 0
        return int(m[2]) // int(m[1])
    if m := re.fullmatch(r"\w+ has (\d+) \w+ and buys (\d+) more\. How many \w+ does \w+ have now\?", prompt):
        return int(m[1]) + int(m[2])
    m = re.fullmatch(r"\w+ had (\d+) \w+ and gave away (\d+)\. How many \w+ does \w+ have left\?", prompt)
    assert m, f"unrecognised math prompt {prompt!r}"
    return int(m[1]) - int(m[2])


def test_math_gold_answers_are_correct_and_easy_ones_dominate():
    rows = load_rows("math", "train", 300, 0) + load_rows("math", "eval", 100, 0)
    for r in rows:
        assert r["answer"] == str(_solve_math(r["prompt"])), r
        assert int(r["answer"]) >= 0
    single_digit = [r for r in rows if re.fullmatch(r"What is \d [+-] \d\?", r["prompt"])]
    assert len(single_digit) > 0.25 * len(rows)
    assert any("buys" in r["prompt"] for r in rows) and any("Solve for x" in r["prompt"] for r in rows)


def _solve_logic(prompt: str) -> str:
    if m := re.fullmatch(r"(\w) is (true|false) and (\w) is (true|false)\. Is '(.+)' true\? Answer yes or no\.", prompt):
        env = {m[1]: m[2] == "true", m[3]: m[4] == "true"}
        return "yes" if eval(m[5], {}, env) else "no"  # noqa: S307 - our own boolean expression
    if m := re.fullmatch(r"What number comes next: (.+), \?", prompt):
        seq = [int(x) for x in m[1].split(", ")]
        return str(seq[-1] * 2 if seq[1] == 2 * seq[0] and seq[2] == 2 * seq[1] else 2 * seq[-1] - seq[-2])
    if m := re.fullmatch(r"Sort these numbers from smallest to largest: (.+)\.", prompt):
        return ", ".join(map(str, sorted(int(x) for x in m[1].split(", "))))
    if m := re.fullmatch(r"Which number is larger, (\d+) or (\d+)\?", prompt):
        return str(max(int(m[1]), int(m[2])))
    if m := re.fullmatch(r"Is (\d+) greater than (\d+)\? Answer yes or no\.", prompt):
        return "yes" if int(m[1]) > int(m[2]) else "no"
    return _solve_comparison(prompt)


SUPERLATIVE = {"taller": "tallest", "older": "oldest", "faster": "fastest", "heavier": "heaviest"}


def _solve_comparison(prompt: str) -> str:
    facts = re.findall(r"(\w+) is (\w+) than (\w+)\.", prompt)
    more = facts[0][1]
    above = {a: b for a, _, b in facts}  # a is `more` than b
    people = set(above) | set(above.values())
    top = next(p for p in people if p not in above.values())
    bottom = next(p for p in people if p not in above)
    asked = re.search(r"Who is (?:the )?(\w+)\?", prompt)[1]
    return top if asked in (more, SUPERLATIVE[more]) else bottom


def test_logic_gold_answers_are_correct():
    for r in load_rows("logic", "train", 300, 0) + load_rows("logic", "eval", 100, 0):
        assert r["answer"] == _solve_logic(r["prompt"]), r


def test_code_reference_solutions_pass_and_stubs_fail():
    assert len(all_tasks()) >= 300 and len({t.prompt for t in all_tasks()}) == len(all_tasks())
    for r in load_rows("code", "train", 400, 0) + load_rows("code", "eval", 60, 0):
        if r["id"].startswith("code-eval-humaneval"):
            continue
        ns: dict = {}
        exec(r["answer"], ns)  # noqa: S102 - our own reference solutions
        exec(r["tests"], ns)  # noqa: S102
        stub: dict = {}
        exec(f"def {r['entry_point']}(*args):\n    return None\n", stub)  # noqa: S102
        with pytest.raises(AssertionError):
            exec(r["tests"], stub)  # noqa: S102 - tests reject a do-nothing function
        assert f"`{r['entry_point']}(" in r["prompt"]


def test_code_tests_match_hand_computed_values():
    tasks = {t.name: t for t in all_tasks()}
    assert "assert add_5(1) == 6" in tasks["add_5"].tests
    assert "assert reverse_string('abc') == 'cba'" in tasks["reverse_string"].tests
    assert "assert fibonacci(10) == 55" in tasks["fibonacci"].tests
    assert "assert factorial(5) == 120" in tasks["factorial"].tests
    assert "assert pad_4('7') == '0007'" in tasks["pad_4"].tests
    assert "assert remove_duplicates([1, 2, 1, 3, 2]) == [1, 2, 3]" in tasks["remove_duplicates"].tests


def test_humaneval_loads_164_and_canonical_solutions_pass():
    assert len(problems()) == 164
    ev = load_rows("code", "eval", 200, 0)
    human = [r for r in ev if r["id"].startswith("code-eval-humaneval-")]
    assert len(human) >= 100 and all("def check(" in r["tests"] and r["entry_point"] for r in human)
    assert all("```python" in r["prompt"] for r in human)
    for r in human[:40]:  # the package's own trusted reference solutions
        ns: dict = {}
        exec(r["answer"] + "\n" + r["tests"] + f"\ncheck({r['entry_point']})\n", ns)  # noqa: S102


def test_writing_prompts_have_own_rubrics_and_stratified_eval():
    recs = writing_prompts()
    assert len(recs) == 104 and len({r["id"] for r in recs}) == len(recs)
    assert len({" ".join(r["prompt"].casefold().split()) for r in recs}) == len(recs)  # no duplicate prompt
    assert all(2 <= len(r["rubric"]) <= 4 and all(c["weight"] > 0 for c in r["rubric"]) for r in recs)
    n_eval = sum(r["split"] == "eval" for r in recs)
    demo = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    assert n_eval == 26 >= demo["data"]["writing"]["eval_size"]  # the demo's 24 eval prompts all exist
    assert {r["kind"] for r in recs} == {r["kind"] for r in recs if r["split"] == "eval"}
    rows = load_rows("writing", "train", 100, 0) + load_rows("writing", "eval", 100, 0)
    assert len(rows) == len(recs)
    assert all(isinstance(c["weight"], float) and c["criterion"] for r in rows for c in r["rubric"])


def test_search_corpus_is_in_sync_and_answers_are_in_the_documents():
    spec = importlib.util.spec_from_file_location("make_search_corpus", ROOT / "data" / "make_search_corpus.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.render(gen.generate()) == CORPUS.read_text(encoding="utf-8")
    docs = {d["id"]: d for d in load_corpus()}
    assert len(docs) == 200 and len({d["title"] for d in docs.values()}) == 200
    qs = questions()
    assert sum(len(q.doc_ids) == 2 for q in qs) > 0.1 * len(qs)
    for q in qs:
        assert q.answer in docs[q.doc_ids[-1]]["text"]
        assert docs[q.doc_ids[0]]["title"] in q.prompt


def test_local_jsonl_with_column_mapping(tmp_path):
    f = tmp_path / "m.jsonl"
    f.write_text("\n".join(json.dumps({"question": f"What is {i} + 1?", "solution": i + 1, "id": i}) for i in range(50)))
    train = load_domain("math", "train", 100, 0, source=str(f), columns={"question": "prompt", "solution": "answer"})
    ev = load_domain("math", "eval", 100, 0, source=str(f), columns={"question": "prompt", "solution": "answer"})
    assert len(train) + len(ev) == 50 and len(ev) > 0 and not set(train["prompt"]) & set(ev["prompt"])
    row = train[0]
    assert row["answer"] == str(int(row["prompt"].split()[2]) + 1) and row["id"].startswith("math-train-")
    assert row["language"] is None and train.features == row_features()


def test_split_column_placeholder_and_parquet(tmp_path):
    rec = [{"prompt": f"q{i}", "answer": str(i), "split": "test" if i < 3 else "train"} for i in range(10)]
    (tmp_path / "a.jsonl").write_text("\n".join(map(json.dumps, rec)))
    assert sorted(load_domain("logic", "eval", 10, 0, source=str(tmp_path / "a.jsonl"))["prompt"]) == ["q0", "q1", "q2"]
    for split in ("train", "eval"):
        (tmp_path / f"s_{split}.jsonl").write_text(json.dumps({"prompt": f"only {split}", "answer": "x"}))
    assert load_domain("logic", "eval", 5, 0, source=str(tmp_path / "s_{split}.jsonl"))["prompt"] == ["only eval"]
    import datasets

    rubric = [{"criterion": "polite", "weight": 2}]
    datasets.Dataset.from_list([{"prompt": f"p{i}", "rubric": rubric} for i in range(20)]).to_parquet(str(tmp_path / "w.parquet"))
    ds = load_domain("writing", "train", 20, 0, source=str(tmp_path / "w.parquet"))
    assert ds[0]["rubric"] == [{"criterion": "polite", "weight": 2.0}]


def test_missing_column_names_column_and_file(tmp_path):
    f = tmp_path / "m.jsonl"
    f.write_text("\n".join(json.dumps({"question": f"q{i}", "answer": "1"}) for i in range(5)))
    with pytest.raises(DataSourceError, match=r"m\.jsonl.*missing required column 'prompt'"):
        load_domain("math", "train", 3, 0, source=str(f))
    with pytest.raises(DataSourceError, match=r"missing required column 'tests'"):
        load_domain("code", "train", 3, 0, source=str(f), columns={"question": "prompt"})
    with pytest.raises(DataSourceError, match=r"column mapping names 'query'"):
        load_domain("math", "train", 3, 0, source=str(f), columns={"query": "prompt"})
    with pytest.raises(DataSourceError, match="not found"):
        load_domain("math", "train", 3, 0, source=str(tmp_path / "nope.jsonl"))
    f.write_text(json.dumps({"prompt": "q", "answer": None, "split": "eval"}))
    with pytest.raises(DataSourceError, match=r"m\.jsonl: row 1: required column 'answer' is empty"):
        load_domain("math", "eval", 3, 0, source=str(f))


def test_unreachable_hub_dataset_suggests_local_path(monkeypatch):
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True, raising=False)
    with pytest.raises(DataSourceError, match=r"someone/unreachable-dataset.*local \.jsonl or \.parquet"):
        load_domain("math", "train", 3, 0, source="someone/unreachable-dataset")


def test_bad_arguments():
    with pytest.raises(ValueError, match="split"):
        load_rows("math", "test", 3, 0)
    with pytest.raises(ValueError, match="positive"):
        load_rows("math", "train", 0, 0)
    with pytest.raises(KeyError, match="unknown dataset 'chess'"):
        load_rows("chess", "train", 3, 0)
