"""``code_tests``: run the completion's program against the row's tests in the sandbox.

The program is taken from the answer part (after ``</think>``): the last closed fenced
```python block (preferring one that defines the row's ``entry_point``, else one that defines
something), an unclosed block if that is all there is, else the raw answer. The tests are the
row's ``tests`` (asserts); HumanEval rows (tests that define ``check`` plus an ``entry_point``)
run ``check(<entry_point>)``. With ``partial_credit`` the tests are split with ``ast`` into one
unit per top-level assert (per assert in ``check``'s body for HumanEval), each run on its own,
and the score is the fraction that pass; otherwise 1.0 only when everything passes.

Fake passes do not count. A fixed harness (``code_harness.py``) reads a random per-run nonce
from stdin before it runs anything of the program, runs the program and then the tests, and
writes a nonce-tagged verdict only after the last test. Printing "all tests passed",
sys.exit(0) / os._exit(0) before the tests, or a forged verdict without the nonce give no
verdict. (Code in the same interpreter could still dig the nonce out of the harness's frames;
this guards against exits and fake output, not against a targeted exploit of the harness.)

Status rule, the same for honest programs and attacks (the reward is always 0 unless tests pass):
- ``ok``: the harness reached its verdict; score = passed fraction or all-or-nothing. A test
  that raises anything (AssertionError, NameError, SystemExit...) is a failed test.
- ``timeout``: the wall-time or CPU-time limit stopped the program (score 0).
- ``error``: the program never let the harness reach a verdict (syntax error, exception or exit
  while loading, crash, killed by a memory/output limit), or the sandbox/API failed
  (``info["reason"]`` tells which; ``sandbox_failure``/``api_failure`` are not the model's fault).
- ``unparseable``: the answer has no program at all (e.g. an unclosed thinking block).
Rows without ``tests`` get None. ``info`` has ``stdout_tail``/``stderr_tail`` of the sandbox.
"""
from __future__ import annotations

import ast
import json
import re
import secrets
from typing import Any

from .base import RewardResult, register_reward
from .code_harness import HARNESS, parse_verdict
from .sandbox import Program
from .text import answer_part

FENCE = re.compile(r"(```|~~~)[ \t]*([\w+.-]*)[^\n]*\n(.*?)(\1|\Z)", re.S)
PY_TAGS = {"", "python", "py", "python3", "py3"}
TAIL_CHARS = 2000


def extract_program(answer: str, entry_point: str | None = None) -> str:
    """The program in an answer: the last closed python block, preferring one that defines
    ``entry_point`` (or anything); an unclosed block if there is no closed one; else the raw text."""
    blocks = [(tag.lower(), body, bool(end)) for _, tag, body, end in FENCE.findall(answer)]
    if not blocks:
        return answer.strip()
    python = [b for b in blocks if b[0] in PY_TAGS] or blocks
    closed = [body for _, body, done in python if done] or [python[-1][1]]
    defines = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(entry_point)}\b" if entry_point else r"^\s*(?:def|class)\s", re.M)
    preferred = [b for b in closed if defines.search(b)] or closed
    return preferred[-1].strip()


def split_tests(tests: str, entry_point: str | None, partial: bool) -> list[str]:
    """The test units: one for all-or-nothing, one per assert for partial credit. Raises
    SyntaxError/ValueError for tests that cannot run (a dataset problem, not the model's)."""
    body = ast.parse(tests).body
    if not body:
        raise ValueError("the tests contain no statements")
    check = next((n for n in body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    humaneval = check is not None and bool(entry_point)
    if humaneval and not str(entry_point).isidentifier():
        raise ValueError(f"entry_point {entry_point!r} is not a Python name")
    if not partial:
        return [tests + (f"\n\ncheck({entry_point})\n" if humaneval else "")]
    setup = [n for n in body if n is not check] if humaneval else []
    stmts = check.body if humaneval else body  # type: ignore[union-attr]
    units: list[list[ast.stmt]] = [[]]
    for stmt in stmts:
        units[-1].append(stmt)
        if isinstance(stmt, ast.Assert):
            units.append([])
    if len(units) > 1 and not units[-1]:
        units.pop()
    elif len(units) > 1:  # statements after the last assert belong to it
        units[-2].extend(units.pop())
    prefix = [ast.unparse(setup)] if setup else []
    prefix += [f"candidate = {entry_point}"] if humaneval else []
    return ["\n".join((prefix if i == 0 else []) + [ast.unparse(u)]) for i, u in enumerate(units)]


@register_reward("code_tests")
class CodeTests:
    """1.0 if the program passes all the row's tests in the sandbox (or the passed fraction)."""

    is_correctness = True

    def __init__(self, sandbox: Any = None, partial_credit: bool = False, timeout_s: float | None = None):
        if sandbox is None:
            from .sandbox import build_sandbox

            sandbox = build_sandbox("local")
        self.sandbox, self.partial_credit, self.timeout_s = sandbox, bool(partial_credit), timeout_s

    def _program(self, row: dict[str, Any]) -> tuple[Program | RewardResult, str, int]:
        """The sandbox job for a row (or its final result when nothing needs to run), its nonce and unit count."""
        nonce = secrets.token_hex(16)
        try:
            units = split_tests(str(row["tests"]), row.get("entry_point"), self.partial_credit)
        except (SyntaxError, ValueError) as e:
            return RewardResult(0.0, "error", info={"reason": "invalid_tests", "detail": f"{type(e).__name__}: {e}"}), nonce, 0
        program = extract_program(answer_part(row.get("completion")), row.get("entry_point"))
        if not program:
            return RewardResult(0.0, "unparseable", info={"reason": "no_program"}), nonce, 0
        files = {"solution.py": program, "tests.json": json.dumps(units)}
        return Program(HARNESS, files=files, stdin=nonce + "\n", timeout_s=self.timeout_s), nonce, len(units)

    def _result(self, res: Any, nonce: str, total: int) -> RewardResult:
        verdict, stdout = parse_verdict(res.stdout_tail, nonce, total)
        info: dict[str, Any] = {"stdout_tail": stdout[-TAIL_CHARS:], "stderr_tail": res.stderr_tail[-TAIL_CHARS:],
                                "returncode": res.returncode, "duration_s": round(res.duration_s, 3), **res.info}
        if res.sandbox_failed:
            reason = f"{res.info.get('failure')}_failure"
            return RewardResult(0.0, "error", info={**info, "reason": reason})
        if res.status == "timeout":
            return RewardResult(0.0, "timeout", info={**info, "reason": "timeout"})
        if verdict is None or res.status != "ok":
            why = "resource_limit" if res.info.get("limit") else "no_verdict"  # crash, early exit, killed
            return RewardResult(0.0, "error", info={**info, "reason": why})
        if verdict.get("load_error"):
            kind = "syntax_error" if verdict["load_error"].startswith("SyntaxError") else "load_error"
            return RewardResult(0.0, "error", info={**info, "reason": kind, "detail": verdict["load_error"]})
        passed, total = verdict["passed"], verdict["total"]
        score = passed / total if self.partial_credit else float(passed == total)
        return RewardResult(score, "ok", info={**info, "passed": passed, "total": total, "failed": verdict["failed"]})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        out = [RewardResult(None) for _ in rows]
        jobs: list[tuple[int, Program, str, int]] = []
        for i, row in enumerate(rows):
            if row.get("tests"):
                job, nonce, total = self._program(row)
                if isinstance(job, RewardResult):
                    out[i] = job
                else:
                    jobs.append((i, job, nonce, total))
        for (i, _, nonce, total), res in zip(jobs, self.sandbox.run_many([job for _, job, _, _ in jobs])):
            out[i] = self._result(res, nonce, total)
        return out
