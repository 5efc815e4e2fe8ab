"""``code_tests``: run the completion's program against the row's tests in the sandbox.

The program is the longest fenced code block of the answer part (after ``</think>``), or
the raw answer. A harness runs it, then the tests (``assert`` lines, or HumanEval's
``check(candidate)`` with ``entry_point``), and writes a verdict file tagged with a random
per-run nonce. Only that verdict counts: printing "passed" or exiting early never passes.

Score 1.0 when every test passes; with ``partial_credit`` each top-level test statement runs
separately and the score is the fraction that pass. Status: ``ok`` when the tests reached a
verdict (pass or fail), ``timeout`` at the time limit, ``error`` when the program never got
to a verdict (syntax error, crash, killed by a limit) or the sandbox itself failed. ``info``
has the tails of stdout and stderr. Rows without ``tests`` get None.
"""
from __future__ import annotations

import ast
import json
import secrets
from typing import Any

from .base import RewardResult, register_reward
from .text import answer_part, extract_code

VERDICT = "verdict.json"
HARNESS = '''
import json
def _verdict(passed, total):
    with open({verdict!r}, "w") as f:
        json.dump({{"nonce": {nonce!r}, "passed": passed, "total": total}}, f)
_ns = {{"__name__": "solution"}}
exec(compile(open("solution.py").read(), "solution.py", "exec"), _ns)
_tests = json.load(open("tests.json"))
_passed = 0
for _t in _tests:
    try:
        exec(compile(_t, "tests.py", "exec"), _ns)
        if {entry_point!r} and "check" in _ns and "def check" in _t:
            _ns["check"](_ns[{entry_point!r}])
        _passed += 1
    except AssertionError:
        pass
_verdict(_passed, len(_tests))
'''


def split_tests(tests: str, partial: bool) -> list[str]:
    """One chunk for all-or-nothing; one chunk per top-level assert (setup kept first) for partial credit."""
    if not partial:
        return [tests]
    try:
        body = ast.parse(tests).body
    except SyntaxError:
        return [tests]
    setup = [ast.unparse(n) for n in body if not isinstance(n, ast.Assert)]
    asserts = [ast.unparse(n) for n in body if isinstance(n, ast.Assert)]
    if not asserts:
        return [tests]
    return ["\n".join(setup + [asserts[0]])] + asserts[1:]


@register_reward("code_tests")
class CodeTests:
    """1.0 if the program passes all the row's tests in the sandbox (or the passed fraction)."""

    is_correctness = True

    def __init__(self, sandbox: Any = None, partial_credit: bool = False):
        if sandbox is None:
            from .sandbox import build_sandbox

            sandbox = build_sandbox("local")
        self.sandbox, self.partial_credit = sandbox, bool(partial_credit)

    def _files(self, row: dict[str, Any]) -> tuple[str, dict[str, str], str]:
        answer = answer_part(row.get("completion"))
        nonce = secrets.token_hex(16)
        harness = HARNESS.format(verdict=VERDICT, nonce=nonce, entry_point=row.get("entry_point") or "")
        files = {"solution.py": extract_code(answer), "tests.json": json.dumps(split_tests(row["tests"], self.partial_credit))}
        return harness, files, nonce

    def _result(self, res: Any, nonce: str) -> RewardResult:
        info = {"stdout_tail": res.stdout_tail[-2000:], "stderr_tail": res.stderr_tail[-2000:],
                "returncode": res.returncode, "duration_s": round(res.duration_s, 3)}
        if res.status in ("timeout", "error"):
            return RewardResult(0.0, res.status, info=info)
        try:
            verdict = json.loads((res.files or {}).get(VERDICT, ""))
            assert verdict["nonce"] == nonce and verdict["total"] > 0
        except Exception:  # noqa: BLE001 - no valid verdict: the program never reached the tests' end
            return RewardResult(0.0, "error", info={**info, "reason": "no verdict (syntax error, crash or limit)"})
        frac = verdict["passed"] / verdict["total"]
        score = frac if self.partial_credit else float(frac == 1.0)
        return RewardResult(score, info={**info, "passed": verdict["passed"], "total": verdict["total"]})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        todo = [(i, *self._files(r)) for i, r in enumerate(rows) if r.get("tests")]
        out = [RewardResult(None) for _ in rows]
        with __import__("concurrent.futures").futures.ThreadPoolExecutor(max_workers=getattr(self.sandbox, "workers", 2)) as pool:
            results = pool.map(lambda t: self.sandbox.run(t[1], files=t[2], collect=(VERDICT,)), todo)
            for (i, _, _, nonce), res in zip(todo, results):
                out[i] = self._result(res, nonce)
        return out
