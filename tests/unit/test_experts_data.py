"""Built-in domains: schema, held-out splits, determinism, external sources, tools."""
from __future__ import annotations

import json

import pytest

from experts.base import ROW_KEYS, registered_experts
from experts.code import humaneval_problems
from experts.datasets import DataSourceError, load_domain

DOMAINS = ["math", "code", "logic", "writing", "agentic_code", "agentic_search"]


def test_all_domains_registered():
    assert set(DOMAINS) <= set(registered_experts())


@pytest.mark.parametrize("domain", DOMAINS)
def test_splits_schema_disjoint_deterministic(domain):
    train, ev = load_domain(domain, "train", 40, 0), load_domain(domain, "eval", 12, 0)
    assert train and ev
    for r in train + ev:
        assert tuple(sorted(r)) == tuple(sorted(ROW_KEYS)) and r["domain"] == domain and r["prompt"]
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in ev}
    assert load_domain(domain, "train", 40, 0) == train


def test_math_answers_are_correct():
    for r in load_domain("math", "train", 100, 1):
        p = r["prompt"]
        if p.startswith("What is "):
            assert str(eval(p[8:-1])) == r["answer"]  # noqa: S307 - our own generated arithmetic


def test_code_tests_match_reference_solutions():
    for r in load_domain("code", "train", 60, 0):
        ns: dict = {}
        exec(r["answer"], ns)  # noqa: S102 - our own reference solutions
        exec(r["tests"], ns)  # noqa: S102


def test_humaneval_ships_164_problems():
    assert len(humaneval_problems()) == 164


def test_local_jsonl_source_with_column_mapping_and_errors(tmp_path):
    f = tmp_path / "m.jsonl"
    f.write_text("\n".join(json.dumps({"question": f"q{i}", "answer": i}) for i in range(5)))
    rows = load_domain("math", "train", 3, 0, source=str(f), columns={"question": "prompt"})
    assert len(rows) == 3 and rows[0]["prompt"].startswith("q") and isinstance(rows[0]["answer"], str)
    with pytest.raises(DataSourceError, match="missing required column 'prompt'"):
        load_domain("math", "train", 3, 0, source=str(f))
    with pytest.raises(DataSourceError, match="not found"):
        load_domain("math", "train", 3, 0, source=str(tmp_path / "nope.jsonl"))


def test_unreachable_hub_dataset_suggests_local_path(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataSourceError, match="local .jsonl or .parquet"):
        load_domain("math", "train", 3, 0, source="someone/unreachable-dataset")


def test_search_tool_finds_answers():
    from experts.tools.search import search, search_docs

    rows = load_domain("agentic_search", "train", 50, 0)
    hits = sum(any(r["answer"] in d["text"] for d in search_docs(r["prompt"], k=3)) for r in rows if "founder of" not in r["prompt"])
    single = sum("founder of" not in r["prompt"] for r in rows)
    assert hits / single >= 0.8
    assert search("") .startswith("error")


def test_tools_have_schemas():
    from transformers.utils import get_json_schema

    from experts.tools.python_exec import run_python
    from experts.tools.search import search

    for tool in (search, run_python):
        schema = get_json_schema(tool)
        assert schema["function"]["name"] == tool.__name__ and schema["function"]["parameters"]["required"]
    assert "hello" in run_python("print('hello')")
