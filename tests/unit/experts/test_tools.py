"""Agent tools: BM25 retrieval quality, TRL/transformers JSON schemas, robustness, Python sandbox tool.

    .venv/bin/python -m pytest -q tests/unit/experts/test_tools.py -p no:cacheprovider
"""
from __future__ import annotations

import importlib.util
import sys

import pytest

from experts.datasets import load_rows
from experts.datasets.search import questions
from experts.tools import TOOLS, resolve_tool
from experts.tools.python_exec import MAX_OUTPUT_CHARS as PY_MAX, configure_python_tool, run_python
from experts.tools.search import MAX_OUTPUT_CHARS, SearchTool, get_search_tool, search

HAS_SANDBOX = importlib.util.find_spec("rewards.sandbox") is not None
needs_sandbox = pytest.mark.skipif(not HAS_SANDBOX, reason="rewards.sandbox is not importable yet")


def test_bm25_top1_finds_the_gold_document():
    by_prompt = {q.prompt: q for q in questions()}
    rows = load_rows("agentic_search", "train", 50, 0) + load_rows("agentic_search", "eval", 50, 0)
    tool = get_search_tool()
    hits = [tool.top(r["prompt"], k=1)[0]["id"] == by_prompt[r["prompt"]].doc_ids[0] for r in rows]
    assert sum(hits) / len(hits) >= 0.8
    answer_in_top3 = [r["answer"] in search(r["prompt"]) for r in rows if len(by_prompt[r["prompt"]].doc_ids) == 1]
    assert sum(answer_in_top3) / len(answer_in_top3) >= 0.9


def test_search_output_format_and_bounds():
    out = SearchTool().search("Brevel Corp founded", k=2)
    assert out.startswith("[1] Brevel Corp: ") and "\n[2] " in out and "[3]" not in out
    assert len(search("corp " * 400)) <= MAX_OUTPUT_CHARS
    assert get_search_tool() is get_search_tool()


@pytest.mark.parametrize("bad", ["", "   ", None, 42, ["a"], {"q": 1}])
def test_search_bad_input_returns_error_string(bad):
    out = search(bad)
    assert isinstance(out, str) and out.startswith("error:")


def test_search_odd_input_does_not_crash():
    assert search("zzqqxx unknown") == "no results"
    assert isinstance(search("\x00\ud800 ☃ " * 5000), str)
    assert SearchTool().search("Brevel", k=0).startswith("error:")
    assert SearchTool().search("Brevel", k=True).startswith("error:")


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_tool_schema_is_accepted_by_transformers(name):
    from transformers.utils import get_json_schema

    tool = resolve_tool(name)
    schema = get_json_schema(tool)
    fn = schema["function"]
    assert schema["type"] == "function" and fn["name"] == name and fn["description"]
    (arg,) = fn["parameters"]["required"]
    assert fn["parameters"]["properties"][arg]["type"] == "string"
    assert fn["parameters"]["properties"][arg]["description"]


def test_resolve_unknown_tool():
    with pytest.raises(KeyError, match="unknown tool 'browser'"):
        resolve_tool("browser")


@needs_sandbox
def test_run_python_runs_code_in_the_sandbox():
    out = run_python("print('hello', 6 * 7)")
    assert out.startswith("exit code 0 (ok)") and "hello 42" in out
    err = run_python("raise ValueError('boom')")
    assert "exit code 1" in err and "ValueError: boom" in err
    big = run_python("print('x' * 100000)")
    assert len(big) <= PY_MAX and big.rstrip().endswith("x")


@needs_sandbox
def test_run_python_timeout_is_reported():
    configure_python_tool("local", timeout_s=1.0)
    try:
        assert "(timeout)" in run_python("while True:\n    pass")
    finally:
        configure_python_tool("local")


@pytest.mark.parametrize("bad", ["", "  \n", None, 3, ["print(1)"], "x" * 50000])
def test_run_python_bad_input_returns_error_string(bad):
    out = run_python(bad)
    assert isinstance(out, str) and out.startswith("error:")


def test_run_python_without_sandbox_module_returns_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "rewards.sandbox", None)  # makes the import fail
    configure_python_tool("local")
    try:
        out = run_python("print(1)")
    finally:
        monkeypatch.undo()
        configure_python_tool("local")
    assert out.startswith("error: the Python sandbox is not available")
