"""The assert harness (``legacy``) that ``code_tests`` runs in the sandbox, and its verdict parser.

Only for rows that the io harness (``code_io.py``) cannot take: no reference solution, or
tests that check a property of the result rather than compare it (see ``rewards/code.py``).
Here the tests run in the program's interpreter, so a program that reaches this harness's
frames or objects can rewrite its units or verdict; the reward marks such results
``info["harness"] == "legacy"``.

The harness (``main.py`` in the sandbox, next to ``solution.py`` and ``tests.json``) reads a
random nonce from stdin and closes stdin, keeps private references to everything it uses
later (so monkeypatching ``builtins.exec``, ``json.dumps``, ``sys.stdout``... cannot change the
count), runs the solution, then each test unit in the solution's namespace, and only then
writes one line ``<nonce> {"total", "passed", "failed", "load_error"}`` to fd 1 and leaves with
``os._exit(0)`` (no atexit hooks of the program run after it). Any exception in a unit, even
SystemExit, fails that unit; an exception or exit while loading the solution is a
``load_error``; an ``os._exit`` or crash leaves no verdict at all.
"""
from __future__ import annotations

import json
from typing import Any

HARNESS = r'''
import json as _json, os as _os, sys as _sys


def _main():
    nonce = _sys.stdin.readline().strip()
    _sys.stdin.close()
    _os.close(0)
    write, dumps, exit_, flush_targets = _os.write, _json.dumps, _os._exit, (_sys.stdout, _sys.stderr)
    exec_, compile_, enumerate_, len_, type_, str_, base_exc = exec, compile, enumerate, len, type, str, BaseException
    with open("tests.json", encoding="utf-8") as f:
        units = _json.load(f)
    with open("solution.py", encoding="utf-8", errors="surrogateescape") as f:
        source = f.read()
    verdict = {"total": len_(units), "passed": 0, "failed": [], "load_error": None}

    def describe(e):
        name = type_(e).__name__
        try:
            return name + (": " + str_(e)[:200] if type_(e).__module__ == "builtins" else "")
        except base_exc:
            return name

    def finish():
        for stream in flush_targets:
            try:
                stream.flush()
            except base_exc:
                pass
        write(1, ("\n" + nonce + " " + dumps(verdict) + "\n").encode())
        exit_(0)

    namespace = {"__name__": "solution", "__builtins__": __builtins__}
    try:
        exec_(compile_(source, "solution.py", "exec"), namespace)
    except base_exc as e:
        verdict["load_error"] = describe(e)
        finish()
    for i, unit in enumerate_(units):
        try:
            exec_(compile_(unit, "test_%d.py" % i, "exec"), namespace)
            verdict["passed"] += 1
        except base_exc as e:
            if len_(verdict["failed"]) < 20:
                verdict["failed"].append([i, describe(e)])
    finish()


_main()
'''


def tagged_json(stdout: str, nonce: str) -> tuple[Any, str]:
    """(the JSON value on the last line that starts with ``nonce``, or None when there is none or it does not
    parse; stdout without that line). The line is untrusted: callers check its shape."""
    at = stdout.rfind("\n" + nonce + " ")
    if at < 0:
        return None, stdout
    line, _, after = stdout[at + len(nonce) + 2:].partition("\n")
    rest = stdout[:at] + after
    try:
        return json.loads(line), rest
    except (ValueError, RecursionError):
        return None, rest


def parse_verdict(stdout: str, nonce: str, total: int) -> tuple[dict[str, Any] | None, str]:
    """(the verdict tagged with ``nonce`` for ``total`` units, or None; stdout without the verdict)."""
    v, rest = tagged_json(stdout, nonce)
    ok = (isinstance(v, dict) and v.get("total") == total and type(v.get("passed")) is int
          and 0 <= v["passed"] <= total and isinstance(v.get("failed"), list)
          and isinstance(v.get("load_error"), (str, type(None))))
    return (v if ok else None), rest
