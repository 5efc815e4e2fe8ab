"""``code_tests``: run the completion's program on the row's tests in the sandbox; judge it outside.

The program is taken from the answer part (after ``</think>``): the last closed fenced
```python block (preferring one that defines the row's ``entry_point``, else one that defines
something), an unclosed block if that is all there is, else the raw answer.

Two harnesses (``info["harness"]`` says which one scored a row):

- ``io`` (rows with an ``entry_point`` whose tests fit the input/expected shape: all 357
  generated tasks, 161 of HumanEval's 164). ``code_cases.py`` records, once per row and cached,
  the *inputs* of every call the tests make and the expected outputs: the reference solution's
  (``answer``), run under the tests in the sandbox; a row without ``answer`` takes them from its
  ``assert f(...) == value`` lines, evaluated in the sandbox. The completion's sandbox then
  gets only the inputs (``code_io.py``): it calls the function and sends back each result in
  the exact wire format of ``code_wire.py``; the expected values, the tests and the verdict
  never enter it. The trusted process compares type-exactly (``code_compare.py``: ``bool`` is
  not ``int``, ``tuple`` is not ``list``, floats within 1e-6, NaN only equals NaN...).
- ``legacy`` (no ``entry_point``, tests that check a property rather than an output, e.g.
  HumanEval 32's ``poly(coeffs, candidate(coeffs)) == 0`` and ``tuple(candidate(x)) == ...`` in 33
  and 37, truthiness or tolerance asserts without a reference, or a reference that fails or
  raises on its tests): the assert harness (``code_harness.py``) runs the tests next to the
  program, as before. ``info["legacy_reason"]`` says why. There, code in the same interpreter
  can still reach the harness; the io path exists because of that.

Why the ways of gaming the assert harness do not work on the io path (one program per way in
tests/unit/rewards/test_code_redteam.py; all score 0):

- Rewriting the harness's test units or verdict through the calling frame, a traceback's
  frames or ``gc.get_objects()``: the sandboxed process has no units and no verdict, only
  inputs and the list of its own answers. Rewriting those answers (or the harness's encoder, or
  forging the nonce-tagged result line) only changes what the program *answers*; the expected
  values it would have to match are nowhere in its process or its files.
- Reading the tests from the working directory (or anywhere in the sandbox): the files there
  are the harness, the program and ``cases.json`` with the inputs. The reference solution and
  the tests go only into the separate recording run.
- Returning an object whose ``__eq__`` always succeeds (an ``int`` subclass, a class that fakes
  ``__class__``, a ``str`` subclass): objects never leave the sandbox. The encoder accepts only
  ``type(x) is int`` and the other exact types; anything else is a failed case
  (``WireError``), and the comparison runs on decoded plain data in our process.
- Malformed or huge result lines, NaN where an int is expected, ``True`` for ``1``: the parser
  treats the line as untrusted data (a malformed line is no verdict, a malformed value is
  unequal) and the comparison rules are type-exact.

The nonce still tags the result lines (so printed text is never mistaken for them), and a
sandbox that never writes a result line (exit, crash, limit) still gets no score.
Scoring: partial credit is the fraction of cases (io) or of asserts (legacy) that pass, else
1.0 only when all do. Statuses, the same for honest programs and attacks:
- ``ok``: a result line came back; score = passed fraction or all-or-nothing. A case that
  raises anything (AssertionError, NameError, SystemExit, WireError...) is a failed case.
- ``timeout``: the wall-time or CPU-time limit stopped the program (score 0).
- ``error``: the program never let the harness write its result (syntax error, exception or
  exit while loading, crash, killed by a memory/output limit), or the sandbox/API failed
  (``info["reason"]`` tells which; ``sandbox_failure``/``api_failure`` are not the model's fault).
- ``unparseable``: the answer has no program at all (e.g. an unclosed thinking block).
Rows without ``tests`` get None. ``info`` has ``stdout_tail``/``stderr_tail`` of the sandbox,
``harness``, ``passed``/``total``/``failed`` (the first 20 failed cases: index and why).
Cost: one extra sandbox run per distinct row (the recording), cached for the life of the
reward; bench/code_reward.py measures it (bench/results/code_reward.json).
"""
from __future__ import annotations

import ast
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from .base import RewardResult, register_reward
from .code_cases import (RECORD_BATCH, RESULT_BYTES, CaseCache, has_reference, parse_recording, record_program,
                         run_failure, shape_problem)
from .code_compare import same
from .code_harness import HARNESS, parse_verdict
from .code_io import IO_HARNESS, parse_outputs
from .code_wire import decode
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


def _run_info(res: Any, stdout: str) -> dict[str, Any]:
    return {"stdout_tail": stdout[-TAIL_CHARS:], "stderr_tail": res.stderr_tail[-TAIL_CHARS:],
            "returncode": res.returncode, "duration_s": round(res.duration_s, 3), **res.info}


def _no_verdict(res: Any, info: dict[str, Any], found: bool) -> RewardResult | None:
    """The result of a run that reached no verdict (sandbox failure, timeout, crash), else None."""
    if res.sandbox_failed:
        return RewardResult(0.0, "error", info={**info, "reason": f"{res.info.get('failure')}_failure"})
    if res.status == "timeout":
        return RewardResult(0.0, "timeout", info={**info, "reason": "timeout"})
    if not found or res.status != "ok":
        why = "resource_limit" if res.info.get("limit") else "no_verdict"  # crash, early exit, killed
        return RewardResult(0.0, "error", info={**info, "reason": why})
    return None


def _load_failed(load_error: str, info: dict[str, Any]) -> RewardResult:
    kind = "syntax_error" if load_error.startswith("SyntaxError") else "load_error"
    return RewardResult(0.0, "error", info={**info, "reason": kind, "detail": load_error})


def _short(value: Any) -> str:
    """At most 80 characters of an encoded value for ``info`` (untrusted data: never raises)."""
    for show in (lambda v: repr(decode(v)), json.dumps):
        try:
            return show(value)[:80]
        except Exception:  # noqa: BLE001, S112 - malformed or too deep: try the next form
            continue
    return "an unreadable value"


@dataclass
class _Job:
    """One row's run: the sandbox program, its nonce, and the io cases or the legacy unit count."""

    program: Program
    nonce: str
    cases: list[list[Any]] | None = None
    units: int = 0
    legacy_reason: str | None = None


@register_reward("code_tests")
class CodeTests:
    """1.0 if the program passes all the row's tests in the sandbox (or the passed fraction)."""

    is_correctness = True

    def __init__(self, sandbox: Any = None, partial_credit: bool = False, timeout_s: float | None = None):
        if sandbox is None:
            from .sandbox import build_sandbox

            sandbox = build_sandbox("local")
        self.sandbox, self.partial_credit, self.timeout_s = sandbox, bool(partial_credit), timeout_s
        self.case_cache = CaseCache()

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        out = [RewardResult(None) for _ in rows]
        todo = [i for i, row in enumerate(rows) if row.get("tests")]
        plans = self._record([rows[i] for i in todo])
        jobs: list[tuple[int, _Job]] = []
        for i in todo:
            plan = plans[CaseCache.key(rows[i])]
            job = plan if isinstance(plan, RewardResult) else self._job(rows[i], plan)
            if isinstance(job, RewardResult):
                out[i] = job
            else:
                jobs.append((i, job))
        for (i, job), res in zip(jobs, self.sandbox.run_many([job.program for _, job in jobs]) if jobs else []):
            out[i] = self._io_result(res, job) if job.cases is not None else self._legacy_result(res, job)
        return out

    # -- the trusted recording of each row's cases (cached) ----------------------------------------------
    def _record(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Per row key: ``("cases", cases)`` or ``("legacy", why)`` (recorded now or cached), or the
        error result of a row whose recording run the sandbox failed."""
        plans: dict[str, Any] = {}
        pending: dict[str, dict[str, Any]] = {}
        for row in rows:
            key = CaseCache.key(row)
            if key in plans or key in pending:
                continue
            plans[key] = self.case_cache.get(key)
            if plans[key] is None:
                why = shape_problem(str(row["tests"]), row.get("entry_point"), reference=has_reference(row))
                if why and not has_reference(row):
                    why += "; without a reference solution (answer) only `assert f(...) == value` fits"
                plans[key] = ("legacy", why) if why else None
                if why:
                    self.case_cache.put(key, plans[key])
                else:
                    pending[key] = row
        keys = list(pending)
        chunks = [keys[i:i + RECORD_BATCH] for i in range(0, len(keys), RECORD_BATCH)]
        retry = self._record_chunks(chunks, pending, plans)
        self._record_chunks([[k] for k in retry], pending, plans)
        return plans

    def _record_chunks(self, chunks: list[list[str]], rows: dict[str, dict[str, Any]], plans: dict[str, Any]) -> list[str]:
        """Record each chunk in one run into ``plans`` and the cache; the keys of failed chunks of several
        rows, to redo one by one. A single row whose run the sandbox failed gets an error result and is
        not cached, so that a later call tries again."""
        if not chunks:
            return []
        programs = [record_program([rows[k] for k in chunk], self.timeout_s) for chunk in chunks]
        retry: list[str] = []
        for chunk, (_, nonce), res in zip(chunks, programs, self.sandbox.run_many([p for p, _ in programs])):
            parsed = parse_recording(res, nonce, len(chunk))
            if parsed is None and len(chunk) > 1:
                retry += chunk
                continue
            if parsed is None and res.sandbox_failed:
                plans[chunk[0]] = RewardResult(0.0, "error", info={**_run_info(res, res.stdout_tail), "harness": "io",
                                                                   "reason": f"{res.info.get('failure')}_failure"})
                continue
            for key, value in zip(chunk, parsed or [run_failure(res)]):
                plans[key] = value
                self.case_cache.put(key, value)
        return retry

    # -- the completion's run --------------------------------------------------------------------------
    def _job(self, row: dict[str, Any], plan: tuple[str, Any]) -> _Job | RewardResult:
        """The sandbox job for a row with its plan (or its final result when nothing needs to run)."""
        nonce = secrets.token_hex(16)
        try:
            units = split_tests(str(row["tests"]), row.get("entry_point"), self.partial_credit)
        except (SyntaxError, ValueError) as e:
            return RewardResult(0.0, "error", info={"reason": "invalid_tests", "detail": f"{type(e).__name__}: {e}"})
        program = extract_program(answer_part(row.get("completion")), row.get("entry_point"))
        if not program:
            return RewardResult(0.0, "unparseable", info={"reason": "no_program"})
        kind, payload = plan
        if kind == "cases":
            job = {"entry_point": row["entry_point"], "cases": [[args, kwargs] for args, kwargs, _ in payload]}
            files = {"solution.py": program, "cases.json": json.dumps(job)}
            return _Job(Program(IO_HARNESS, files=files, stdin=nonce + "\n", timeout_s=self.timeout_s,
                                tail_bytes=RESULT_BYTES), nonce, cases=payload)
        files = {"solution.py": program, "tests.json": json.dumps(units)}
        return _Job(Program(HARNESS, files=files, stdin=nonce + "\n", timeout_s=self.timeout_s), nonce,
                    units=len(units), legacy_reason=payload)

    def _io_result(self, res: Any, job: _Job) -> RewardResult:
        got, stdout = parse_outputs(res.stdout_tail, job.nonce, len(job.cases or []))
        info = {**_run_info(res, stdout), "harness": "io"}
        early = _no_verdict(res, info, got is not None)
        if early is not None or got is None:
            return early  # type: ignore[return-value]
        if got["load_error"] is not None:
            return _load_failed(got["load_error"], info)
        failed = []
        for i, ((_, _, want), output) in enumerate(zip(job.cases or [], got["outputs"])):
            if type(output) is list and len(output) == 2 and output[0] == "raised":
                failed.append([i, str(output[1])[:200]])
            elif not (type(output) is list and len(output) == 2 and output[0] == "ok" and same(output[1], want)):
                shown = _short(output[1]) if type(output) is list and len(output) == 2 else "a malformed output"
                failed.append([i, f"returned {shown}, expected {_short(want)}"])
        total = len(job.cases or [])
        passed = total - len(failed)
        score = passed / total if self.partial_credit else float(passed == total)
        return RewardResult(score, "ok", info={**info, "passed": passed, "total": total, "failed": failed[:20]})

    def _legacy_result(self, res: Any, job: _Job) -> RewardResult:
        verdict, stdout = parse_verdict(res.stdout_tail, job.nonce, job.units)
        info = {**_run_info(res, stdout), "harness": "legacy", "legacy_reason": job.legacy_reason}
        early = _no_verdict(res, info, verdict is not None)
        if early is not None or verdict is None:
            return early  # type: ignore[return-value]
        if verdict.get("load_error"):
            return _load_failed(verdict["load_error"], info)
        passed, total = verdict["passed"], verdict["total"]
        score = passed / total if self.partial_credit else float(passed == total)
        return RewardResult(score, "ok", info={**info, "passed": passed, "total": total, "failed": verdict["failed"]})
