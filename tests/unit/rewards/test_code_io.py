"""The io path of ``code_tests``: the wire format, the type-exact comparison, which tests fit the
input/expected shape, the recorded cases, and HumanEval through it (a sample here; all 164
canonical solutions and two broken variants of each under the slow marker)."""
from __future__ import annotations

import math

import pytest

from rewards.code import CodeTests
from rewards.code_cases import shape_problem
from rewards.code_compare import same
from rewards.code_wire import WireError, decode, encode
from rewards.sandbox import build_sandbox

EXACT_VALUES = [None, True, False, 0, -7, 2 ** 200, -(3 ** 5000), 0.1, -0.0, math.inf, -math.inf, "", "é\udc80", b"\x00hi",
                [], [1, [2, (3,)]], (), ("a", 1.5), {1, 2}, frozenset({"x"}), {}, {"k": [1], 2: (3,), (1, 2): None}]


@pytest.mark.parametrize("value", EXACT_VALUES, ids=repr)
def test_wire_round_trips_exactly_with_types(value):
    back = decode(encode(value))
    assert type(back) is type(value) and (back == value)
    assert same(encode(value), encode(value))


def test_wire_round_trips_nan_and_the_sign_of_zero():
    assert math.isnan(decode(encode(math.nan))) and math.copysign(1, decode(encode(-0.0))) == -1


@pytest.mark.parametrize("value", [1j, object(), type("I", (int,), {})(3), type("L", (list,), {})(), range(3),
                                   (x for x in ()), {"a": object()}], ids=repr)
def test_wire_refuses_what_it_cannot_carry_exactly(value):
    with pytest.raises(WireError):
        encode(value)


def test_wire_refuses_self_containing_values_and_malformed_input():
    loop: list = []
    loop.append(loop)
    with pytest.raises(WireError):
        encode(loop)
    for bad in ([], ["int"], ["int", 5], ["float", "x"], ["list", "abc"], ["nope", 1], "str", ["set", [["list", []]]]):
        with pytest.raises(WireError):
            decode(bad)


@pytest.mark.parametrize("got, want, equal", [
    (True, 1, False), (1, True, False), (0, False, False), (2, 2.0, False), (2.0, 2, False),
    ((1, 2), [1, 2], False), ([1, 2], (1, 2), False), ({1}, frozenset({1}), False), ("1", 1, False), (None, 0, False),
    (0.1 + 0.2, 0.3, True), (1.0 + 1e-4, 1.0, False), (-0.0, 0.0, True), (math.nan, math.nan, True),
    (math.nan, 1.0, False), (1.0, math.nan, False), (math.inf, math.inf, True), (-math.inf, math.inf, False),
    (1e300, math.inf, False), ([1.0, "a"], [1.0 + 1e-12, "a"], True), ([1], [1, 1], False),
    ({"a": 1, "b": [2]}, {"b": [2], "a": 1}, True), ({"a": 1}, {"a": True}, False), ({1: "x"}, {True: "x"}, False),
    ({1, 2, 3}, {3, 2, 1}, True), ({0.1 + 0.2}, {0.3}, False), ({-0.0}, {0.0}, True), ({True}, {1}, False),
    (2 ** 100, 2 ** 100, True), (2 ** 100, 2 ** 100 + 1, False), (b"a", "a", False),
])
def test_comparison_rules(got, want, equal):
    assert same(encode(got), encode(want)) is equal


@pytest.mark.parametrize("got", [None, [], ["int"], ["int", 3], ["float", None], ["list", None], ["dict", [[1]]],
                                 ["set", [["int"]]], "x", {"int": "0x3"}, ["int", "0x3", "extra"]], ids=repr)
def test_malformed_received_values_are_unequal(got):
    assert same(got, encode(3)) is False and same(got, encode({3})) is False and same(got, encode([3])) is False


@pytest.mark.parametrize("tests, fits", [
    ("assert f(1) == 2\nassert 3 == f(2)\nassert f(x=3) is True\nassert not f(0)\nassert f(5)", True),
    ("def check(candidate):\n    assert candidate(1) == 2, 'msg ' + str(candidate(1))\n    assert True\n"
     "    for i in range(3):\n        assert abs(candidate(i) - i) < 1e-6\n", True),
    ("assert sorted(f(1)) == [1]", False), ("assert len(f(1)) == 2", False), ("assert f(1) != 2", False),
    ("g = f\nassert g(1) == 2", False), ("y = f(1)\nassert y == 2", False), ("assert abs(f(1) - 2) < 0.01", False),
    ("assert f(f(1)) == 2", False), ("x = [1]\nassert f(1) == 1\nassert x == [1]", False), ("x = 1", False),
    ("def check(candidate):\n    assert tuple(candidate([1])) == (1,)\n", False),
])
def test_which_tests_fit_the_input_expected_shape(tests, fits):
    assert (shape_problem(tests, "f") is None) is fits, shape_problem(tests, "f")


@pytest.mark.parametrize("tests, fits", [
    ("assert f(1) == 2\nassert 3 == f(x=2)\nassert f(0) is None", True),
    ("def check(c):\n    for i in range(3):\n        assert c(i) == i + 1\n", True),
    ("assert f(1)", False), ("assert not f(1)", False), ("assert abs(f(1) - 2) < 1e-9", False),
])
def test_without_a_reference_only_equality_asserts_fit(tests, fits):
    assert (shape_problem(tests, "f", reference=False) is None) is fits


def test_every_generated_task_and_161_humaneval_problems_fit_the_shape():
    from experts.datasets.code_tasks import all_tasks
    from experts.datasets.humaneval import problems

    assert all(shape_problem(t.tests, t.name) is None for t in all_tasks())
    misfits = {int(p["task_id"].split("/")[1]) for p in problems() if shape_problem(p["test"], p["entry_point"])}
    assert misfits == {32, 33, 37}


@pytest.fixture(scope="module")
def sandbox():
    return build_sandbox("local", timeout_s=10, memory_mb=512, workers=2)


def test_cases_come_from_the_reference_and_inputs_are_fresh(sandbox):
    row = {"tests": "assert grow([1]) == [1, 0]\nassert grow([]) == [0]\nassert grow(xs=[2.5]) == [2.5, 0]\n",
           "entry_point": "grow", "answer": "def grow(xs):\n    xs.append(0)\n    return xs\n"}
    honest = CodeTests(sandbox=sandbox)([{**row, "completion": row["answer"]}])[0]
    assert (honest.score, honest.info["harness"], honest.info["total"]) == (1.0, "io", 3)
    reward = CodeTests(sandbox=sandbox)
    tuple_out = reward([{**row, "completion": "def grow(xs):\n    return tuple(xs) + (0,)\n"}])[0]
    assert tuple_out.score == 0.0 and "expected [1, 0]" in tuple_out.info["failed"][0][1]
    key = next(iter(reward.case_cache._items))
    assert reward.case_cache.get(key)[0] == "cases"  # recorded once, reused by the next call


def test_without_a_reference_the_expected_values_come_from_the_asserts(sandbox):
    tests = "assert f(1) == 2\nassert 3 == f(x=2)\nassert f(-1) is None\nassert f(2.5) == 3.5\n"
    answer = "def f(x):\n    return None if x < 0 else x + 1\n"
    floats = "def f(x):\n    return None if x < 0 else x + 1.0\n"  # 2.0 == 2 would pass the asserts
    reward = CodeTests(sandbox=sandbox, partial_credit=True)
    right, off = reward([{"tests": tests, "entry_point": "f", "completion": c} for c in (answer, floats)])
    assert (right.score, right.info["harness"], right.info["total"]) == (1.0, "io", 4)
    assert (off.score, off.info["harness"], [i for i, _ in off.info["failed"]]) == (0.5, "io", [0, 1])
    truthy = reward([{"tests": "assert f(1)", "entry_point": "f", "completion": answer}])[0]
    assert truthy.info["harness"] == "legacy" and "reference" in truthy.info["legacy_reason"]


def test_a_reference_that_fails_its_tests_keeps_the_assert_harness(sandbox):
    row = {"tests": "assert f(1) == 3", "entry_point": "f", "answer": "def f(x):\n    return 2\n", "completion": "def f(x): return 3"}
    res = CodeTests(sandbox=sandbox)([row])[0]
    assert (res.score, res.info["harness"]) == (1.0, "legacy")
    assert "AssertionError" in res.info["legacy_reason"]


def test_one_bad_reference_in_a_recording_batch_costs_only_itself(sandbox):
    good = {"tests": "assert f(1) == 2", "entry_point": "f", "answer": "def f(x):\n    return x + 1\n"}
    rows = [{**good, "completion": "def f(x): return x + 1"},
            {**good, "answer": good["answer"] + "import os\nos._exit(3)\n", "completion": "def f(x): return x + 1"},
            {**good, "answer": "def f(x):\n    while True: pass\n", "completion": "def f(x): return x + 1"}]
    res = CodeTests(sandbox=sandbox, timeout_s=1)(rows)
    assert [(r.score, r.info["harness"]) for r in res] == [(1.0, "io"), (1.0, "legacy"), (1.0, "legacy")]
    assert "exited (code 3)" in res[1].info["legacy_reason"] and "timeout" in res[2].info["legacy_reason"]


def _humaneval_rows(ids=None):
    from experts.datasets.humaneval import problems, to_row

    return [to_row(p, "code") for p in problems() if ids is None or int(p["task_id"].split("/")[1]) in ids]


def _wrong(row):
    """The canonical solution with every result changed (bool flipped, number + 1, str + 'x', one more item...)."""
    ep = row["entry_point"]
    return (row["answer"] + f"\n\n_pt_right = {ep}\n\ndef {ep}(*a, **k):\n    r = _pt_right(*a, **k)\n"
            "    if type(r) is bool:\n        return not r\n    if type(r) in (int, float):\n        return r + 1\n"
            "    if type(r) is str:\n        return r + 'x'\n    if type(r) in (list, tuple):\n        return type(r)(list(r) + [None])\n"
            "    if type(r) is dict:\n        return {**r, 'pt_extra': 1}\n    return 0\n")


def _stub(row):
    return row["prompt"].split("```python\n", 1)[1].split("```", 1)[0] + "    return None\n"


def _check_humaneval(sandbox, rows):
    legacy = {32, 33, 37}  # the tests check properties (32) or tuple(candidate(...)) (33, 37): see code_cases
    reward = CodeTests(sandbox=sandbox)
    right = reward([{**r, "completion": f"```python\n{r['answer']}```"} for r in rows])
    for row, res in zip(rows, right):
        number = int(row["id"].rsplit("-", 1)[1])
        assert (res.score, res.status) == (1.0, "ok"), (row["id"], res.info)
        assert res.info["harness"] == ("legacy" if number in legacy else "io"), (row["id"], res.info)
    for make in (_wrong, _stub):
        wrong = reward([{**r, "completion": make(r)} for r in rows])
        assert [(r.score, r.status) for r in wrong] == [(0.0, "ok")] * len(rows), [
            (row["id"], r.info) for row, r in zip(rows, wrong) if r.score]
    partial = CodeTests(sandbox=sandbox, partial_credit=True)([{**r, "completion": _wrong(r)} for r in rows])
    assert all(r.score == 0.0 for row, r in zip(rows, partial) if int(row["id"].rsplit("-", 1)[1]) not in legacy)


def test_humaneval_sample_canonical_pass_and_broken_variants_fail(sandbox):
    _check_humaneval(sandbox, _humaneval_rows({0, 2, 32, 33, 38, 53, 95, 151}))


@pytest.mark.slow
def test_all_164_humaneval_canonical_solutions_pass_and_broken_variants_fail(sandbox):
    rows = _humaneval_rows()
    assert len(rows) == 164
    _check_humaneval(sandbox, rows)


class _FailingSandbox:
    """Stands in for a sandbox whose infrastructure fails (only the status mapping is under test)."""

    workers = 1

    def __init__(self):
        self.calls = 0

    def run_many(self, programs):
        from rewards.sandbox import SandboxResult

        self.calls += 1
        return [SandboxResult("error", None, "", "", 0.0, info={"failure": "sandbox", "detail": "bwrap: no"})
                for _ in programs]


def test_a_failed_recording_run_is_a_sandbox_failure_and_is_retried_next_call():
    import pickle

    sandbox = _FailingSandbox()
    reward = CodeTests(sandbox=sandbox)
    row = {"tests": "assert f(1) == 2", "entry_point": "f", "answer": "def f(x):\n    return x + 1\n", "completion": "x"}
    for _ in range(2):
        r = reward([row])[0]
        assert (r.score, r.status, r.info["reason"], r.info["harness"]) == (0.0, "error", "sandbox_failure", "io")
    assert sandbox.calls == 2 and not reward.case_cache._items  # nothing cached
    assert pickle.loads(pickle.dumps(CodeTests(sandbox=build_sandbox("local")))).case_cache.get("x") is None
