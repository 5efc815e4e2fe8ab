"""The input/output harness: the sandbox runs the program's function on inputs, nothing more.

``main.py`` in the sandbox is this harness (with ``code_wire.py``'s source in front), next to
``solution.py`` (the program) and ``cases.json`` (the entry point and each case's encoded
positional and keyword arguments: *inputs only*). It reads the nonce from stdin, loads the
program, calls the function once per case on freshly decoded arguments, encodes each result
(``["ok", value]``) or the exception (``["raised", "TypeError: ..."]``; a result the wire cannot
carry is ``["raised", "WireError: ..."]``) and writes one line ``<nonce> {"outputs", "load_error"}``.

What it deliberately does not have: the expected values, the tests' source, any verdict or
count of passes. The comparison is :func:`rewards.code_compare.same` in the trusted process.
So a program that takes over this harness (through frames, tracebacks, ``gc``, monkeypatched
builtins, a forged output line) can only change what it *answers*, which it could have done by
returning it; it still has to produce the right values without seeing them. ``parse_outputs``
reads the line as untrusted data: malformed entries are failed cases.
"""
from __future__ import annotations

from typing import Any

from .code_cases import WIRE_SOURCE
from .code_harness import tagged_json

IO_HARNESS = WIRE_SOURCE + r'''

import json as _json, os as _os, sys as _sys


def _describe(e):
    try:
        return type(e).__name__ + ": " + str(e)[:200]
    except BaseException:
        return "exception"


def _run(job, outputs):
    ns = {"__name__": "solution", "__builtins__": __builtins__}
    with open("solution.py", encoding="utf-8", errors="surrogateescape") as f:
        source = f.read()
    try:
        exec(compile(source, "solution.py", "exec"), ns)
    except BaseException as e:
        return _describe(e)
    for args, kwargs in job["cases"]:
        try:
            fn = ns[job["entry_point"]] if job["entry_point"] in ns else None
            if fn is None:
                raise NameError("name %r is not defined" % job["entry_point"])
            outputs.append(["ok", encode(fn(*decode(args), **{k: decode(v) for k, v in kwargs.items()}))])
        except BaseException as e:
            outputs.append(["raised", _describe(e)])
    return None


_nonce = _sys.stdin.readline().strip()
_sys.stdin.close()
_os.close(0)
_write, _dumps, _exit = _os.write, _json.dumps, _os._exit
with open("cases.json", encoding="utf-8") as _f:
    _job = _json.load(_f)
_outputs = []
_load_error = _run(_job, _outputs)
for _stream in (_sys.stdout, _sys.stderr):
    try:
        _stream.flush()
    except BaseException:
        pass
try:
    _line = _dumps({"outputs": _outputs, "load_error": _load_error})
except BaseException as _e:
    _line = _dumps({"outputs": [], "load_error": "the outputs could not be written: " + type(_e).__name__})
_write(1, ("\n" + _nonce + " " + _line + "\n").encode())
_exit(0)
'''


def parse_outputs(stdout: str, nonce: str, total: int) -> tuple[dict[str, Any] | None, str]:
    """(``{"outputs", "load_error"}`` tagged with ``nonce``, or None; stdout without that line).

    The line is untrusted: it is accepted when it is a JSON object with a string-or-null
    ``load_error`` and, without a load error, one output per case; each output is checked
    later, when it is compared."""
    v, rest = tagged_json(stdout, nonce)
    if not isinstance(v, dict) or not isinstance(v.get("load_error"), (str, type(None))):
        return None, rest
    outputs = v.get("outputs")
    if v["load_error"] is None and not (isinstance(outputs, list) and len(outputs) == total):
        return None, rest
    return v, rest
