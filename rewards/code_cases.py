"""Turn a row's assert tests into input/expected cases, with the trusted reference solution.

Two steps, both on trusted material only (the row's ``tests`` and its ``answer``, never a
completion):

1. ``shape_problem(tests, entry_point)`` decides statically (``ast``) whether the tests are
   input/expected tests: every call of the function under test (``entry_point``, or
   ``candidate`` inside HumanEval's ``check``) must be the whole left or right side of an
   ``assert call == expected`` (``is True/False/None`` too), or the whole test (``assert call``,
   ``assert not call``), or ``assert abs(call - expected) < tol`` with ``tol <= 1e-6``; the name is
   used nowhere else (no aliasing, no ``sorted(call)``, no ``len(call)``), and every assert
   without such a call is a constant (``assert True``); an assert's message is not looked at.
   Then comparing the program's output with the reference's output asks what the asserts
   asked, plus exact types (``1`` for a reference's ``True`` fails; for ``assert call`` the
   reference's exact value, normally ``True``; for the ``abs`` form 1e-6 of the reference).
2. ``RECORD_HARNESS`` runs in the sandbox: the reference solution, then the tests with the
   function replaced by a recorder that encodes the arguments (before the call), calls the
   reference and encodes its result. The tests' own asserts still run, so a reference that
   fails its tests, raises, or passes or returns a value the wire cannot carry (``code_wire``)
   records nothing, and the row keeps the assert harness (``code_harness.py``). A row without
   a reference (no ``answer``) fits only with ``==``/``is`` asserts: each is rewritten (``ast``)
   into a record of the call's arguments and the other side's value, and the tests run.

The rows of one reward call are recorded together, ``RECORD_BATCH`` per sandbox run (a run
that hits a limit or crashes is redone one row per run, so one slow reference only costs
itself its io path). Cases are cached per (tests, entry_point, answer) in the process: a GRPO
group and later steps reuse them. Random inputs drawn by a test (HumanEval 38, 53...) are drawn once and fixed.
"""
from __future__ import annotations

import ast
import hashlib
import json
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .code_wire import decode
from .sandbox import Program

WIRE_SOURCE = (Path(__file__).with_name("code_wire.py")).read_text(encoding="utf-8")
MAX_TOL = 1e-6
CACHE_SIZE = 4096
RECORD_BATCH = 16  # rows recorded in one sandbox run
RESULT_BYTES = 1 << 20  # stdout kept for the result line (the sandbox's max_output_bytes caps it)


def shape_problem(tests: str, entry_point: str | None, reference: bool = True) -> str | None:
    """None when the tests are input/expected tests (see the module docstring), else why not.
    Without a ``reference`` solution only ``call == value`` and ``call is True/False/None`` fit."""
    if not entry_point or not str(entry_point).isidentifier():
        return "no entry_point"
    try:
        body = ast.parse(tests).body
    except SyntaxError as e:
        return f"tests do not parse: {e.msg}"
    check = next((n for n in body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    names = {entry_point}
    if check is not None:
        names.add(check.args.args[0].arg if len(check.args.args) == 1 else "candidate")
    allowed: set[int] = set()  # id() of the calls and names that are the allowed shape
    asserts = [n for n in ast.walk(ast.Module(body=body, type_ignores=[])) if isinstance(n, ast.Assert)]
    for node in asserts:
        call = _asserted_call(node.test, names, reference)
        if node.msg is not None:  # evaluated only when the assert fails, which the recording run never does
            allowed.update(id(n) for n in ast.walk(node.msg))
        if call is not None:
            allowed.update((id(call), id(call.func)))
        elif any(_is_name(n, names) for n in ast.walk(node.test)):
            return f"line {node.lineno}: the function's result is checked other than by == (`{ast.unparse(node)[:80]}`)"
        elif not isinstance(node.test, ast.Constant):
            return f"line {node.lineno}: an assert that does not call the function (`{ast.unparse(node)[:80]}`)"
    if not allowed:
        return "no assert calls the function"
    scope = check.body if check is not None else body
    for stmt in scope:
        for n in ast.walk(stmt):
            if _is_name(n, names) and id(n) not in allowed:
                return f"line {n.lineno}: the function is used outside an `assert f(...) == value`"
    return None


def _is_name(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _call(node: ast.AST, names: set[str]) -> ast.Call | None:
    """``node`` if it is a call of the function whose arguments do not use the function, else None."""
    if isinstance(node, ast.Call) and _is_name(node.func, names):
        inner = [a for a in node.args + [k.value for k in node.keywords] for n in ast.walk(a) if _is_name(n, names)]
        return None if inner else node
    return None


def _free_of(node: ast.AST, names: set[str]) -> bool:
    return not any(_is_name(n, names) for n in ast.walk(node))


def _asserted_call(test: ast.expr, names: set[str], reference: bool = True) -> ast.Call | None:
    """The call in an allowed assert shape, or None (without a reference: only ``==`` and ``is``)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        operand = test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) else test
        return _call(operand, names) if reference else None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq):
        for a, b in ((left, right), (right, left)):
            if _call(a, names) and _free_of(b, names):
                return a  # type: ignore[return-value]
    if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value in (True, False, None):
        return _call(left, names)
    if reference and isinstance(op, (ast.Lt, ast.LtE)) and isinstance(right, ast.Constant) and _small(right.value):
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id in ("abs", "fabs") \
                and len(left.args) == 1 and isinstance(left.args[0], ast.BinOp) and isinstance(left.args[0].op, ast.Sub):
            diff = left.args[0]
            if _call(diff.left, names) and _free_of(diff.right, names):
                return diff.left  # type: ignore[return-value]
    return None


def _small(value: Any) -> bool:
    return type(value) in (int, float) and 0 < value <= MAX_TOL


RECORD_HARNESS = WIRE_SOURCE + r'''

import ast, json as _json, os as _os, sys as _sys


class _Expect(ast.NodeTransformer):
    """``assert f(a) == value`` / ``value == f(a)`` / ``f(a) is C`` -> ``_pt_expect((a,), {}, value)``."""

    def __init__(self, names):
        self.names = names

    def visit_Assert(self, node):
        t = node.test
        if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], (ast.Eq, ast.Is))):
            return node
        pairs = [(t.left, t.comparators[0])] + ([(t.comparators[0], t.left)] if isinstance(t.ops[0], ast.Eq) else [])
        for call, other in pairs:
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in self.names:
                args = ast.Tuple(elts=call.args, ctx=ast.Load())
                kwargs = ast.Dict(keys=[ast.Constant(k.arg) if k.arg else None for k in call.keywords],
                                  values=[k.value for k in call.keywords])
                expect = ast.Call(ast.Name("_pt_expect", ast.Load()), [args, kwargs, other], [])
                return ast.copy_location(ast.Expr(expect), node)
        return node


def _record_from_tests(job):
    cases = []

    def expect(args, kwargs, expected):
        cases.append([encode(list(args)), {k: encode(v) for k, v in kwargs.items()}, encode(expected)])

    def missing(*args, **kwargs):
        raise RuntimeError("the tests call the function outside an assert")

    tree = ast.fix_missing_locations(_Expect(set(job["names"])).visit(ast.parse(job["tests"])))
    tests = {"__name__": "tests", "__builtins__": __builtins__, "_pt_expect": expect, job["entry_point"]: missing}
    exec(compile(tree, "tests.py", "exec"), tests)
    if job["check"]:
        tests["check"](missing)
    return cases


def _record(job):
    if job["answer"] is None:
        return _record_from_tests(job)
    ref = {"__name__": "solution", "__builtins__": __builtins__}
    exec(compile(job["answer"], "reference.py", "exec"), ref)
    fn, cases = ref[job["entry_point"]], []

    def recorder(*args, **kwargs):
        case = [encode(list(args)), {k: encode(v) for k, v in kwargs.items()}]
        out = fn(*args, **kwargs)
        cases.append(case + [encode(out)])
        return out

    tests = dict(ref)
    tests[job["entry_point"]] = recorder
    exec(compile(job["tests"], "tests.py", "exec"), tests)
    if job["check"]:
        tests["check"](recorder)
    return cases


def _record_each(jobs):
    results = []
    for job in jobs:
        try:
            results.append({"cases": _record(job), "error": None})
        except BaseException as e:
            results.append({"cases": [], "error": "%s: %s" % (type(e).__name__, str(e)[:300])})
    return results


_nonce = _sys.stdin.readline().strip()
_sys.stdin.close()
with open("jobs.json", encoding="utf-8") as _f:
    _out = {"results": _record_each(_json.load(_f))}
for _stream in (_sys.stdout, _sys.stderr):
    try:
        _stream.flush()
    except BaseException:
        pass
_os.write(1, ("\n" + _nonce + " " + _json.dumps(_out) + "\n").encode())
_os._exit(0)
'''


class CaseCache:
    """Recorded cases (or why a row has none) per trusted (tests, entry_point, answer)."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size, self._items = size, OrderedDict()  # type: ignore[var-annotated]
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # picklable (Ray): the lock is rebuilt
        return {"size": self.size, "_items": self._items}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @staticmethod
    def key(row: dict[str, Any]) -> str:
        parts = [str(row.get("tests")), str(row.get("entry_point")), str(row.get("answer"))]
        return hashlib.sha256(json.dumps(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def record_program(rows: list[dict[str, Any]], timeout_s: float | None) -> tuple[Program, str]:
    """One sandbox run that records the cases of ``rows`` from their reference solutions, and its nonce."""
    jobs = []
    for row in rows:
        tests = str(row["tests"])
        check = next((n for n in ast.parse(tests).body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
        names = [row["entry_point"]] + ([check.args.args[0].arg] if check is not None and len(check.args.args) == 1 else [])
        jobs.append({"answer": row["answer"] if has_reference(row) else None, "tests": tests, "names": names,
                     "entry_point": row["entry_point"], "check": check is not None})
    nonce = secrets.token_hex(16)
    return Program(RECORD_HARNESS, files={"jobs.json": json.dumps(jobs)}, stdin=nonce + "\n", timeout_s=timeout_s,
                   tail_bytes=RESULT_BYTES), nonce


def parse_recording(res: Any, nonce: str, count: int) -> list[tuple[str, Any]] | None:
    """Per row of a recording run: ``("cases", [[args, kwargs, expected], ...])`` or ``("legacy", why)``;
    None when the run as a whole gave no result (a limit, a crash)."""
    at = res.stdout_tail.rfind("\n" + nonce + " ")
    if res.status != "ok" or at < 0:
        return None
    try:
        out = json.loads(res.stdout_tail[at + len(nonce) + 2:].partition("\n")[0])["results"]
    except (ValueError, TypeError, KeyError):
        return None
    return [_row_cases(r) for r in out] if isinstance(out, list) and len(out) == count else None


def has_reference(row: dict[str, Any]) -> bool:
    """Whether the row has a reference solution (``answer``) to record the expected outputs from."""
    return isinstance(row.get("answer"), str) and bool(row["answer"].strip())


def run_failure(res: Any) -> tuple[str, str]:
    """``("legacy", why)`` for a row whose own recording run gave no result."""
    if res.status == "ok":
        return "legacy", f"the reference run exited (code {res.returncode}) without a result"
    return "legacy", f"the reference run ended with {res.status} {res.info.get('limit') or ''}".strip()


def _row_cases(out: Any) -> tuple[str, Any]:
    if not isinstance(out, dict):
        return "legacy", "the reference run's output is not an object"
    if out.get("error"):
        return "legacy", f"the reference on its tests: {out['error']}"
    cases = out.get("cases")
    if not cases:
        return "legacy", "the tests never called the function"
    try:
        for args, kwargs, expected in cases:
            decode(args), decode(expected), [decode(v) for v in kwargs.values()]  # raises on a malformed case
    except (ValueError, TypeError, AttributeError) as e:
        return "legacy", f"a recorded case is malformed: {e}"
    return "cases", cases
