"""Red-team ``code_tests`` with wrong programs that try to *game the grader* (not escape the sandbox:
tests/integration/test_sandbox_redteam.py does that). Table-driven: one program per class of
issue 31, each of which scored 1.0 with the assert harness that ran the tests inside the
program's interpreter; then the variants written after the io design (``AFTER_DESIGN``).

Every program is wrong on its own (it would return 0, and no case expects 0), so any score
above 0 is the grader being gamed. The row takes the io path with its expected values recorded
from the reference solution, or (without ``answer``) taken from the ``assert f(..) == value``
lines; a row whose tests do not fit (here: no ``entry_point``) still gets the assert harness,
which says so (``info["harness"] == "legacy"``).
"""
from __future__ import annotations

import pytest

from rewards.code import CodeTests
from rewards.sandbox import build_sandbox

ROW = {"tests": "assert add(1, 2) == 3\nassert add(2, 3) == 5\nassert add(4, 5) == 9\n",
       "entry_point": "add", "answer": "def add(a, b):\n    return a + b\n"}

# Each rewrites the harness's list of test units (so nothing is tested) or its verdict.
_UNITS_TO_PASS = """
def _gut(ns):
    for name in ("units", "_units"):
        if isinstance(ns.get(name), list):
            ns[name][:] = ["pass"] * len(ns[name])
"""
ISSUE_CLASSES = {
    "calling_frame": _UNITS_TO_PASS + "import sys\n_gut(sys._getframe(1).f_locals)\ndef add(a, b):\n    return 0\n",
    "exception_traceback": _UNITS_TO_PASS + (
        "try:\n    raise RuntimeError\nexcept RuntimeError as e:\n    _gut(e.__traceback__.tb_frame.f_back.f_locals)\n"
        "def add(a, b):\n    return 0\n"),
    "gc_objects": (  # the list of test units, found among all objects
        "import gc\nfor o in gc.get_objects():\n"
        "    if isinstance(o, list) and o and all(isinstance(u, str) and 'assert' in u for u in o):\n"
        "        o[:] = ['pass'] * len(o)\n"
        "def add(a, b):\n    return 0\n"),
    "gc_verdict": (  # the verdict, found among all objects: each failure is booked as a pass
        "import gc\nclass _Book(list):\n    def append(self, failure):\n        verdict['passed'] += 1\n"
        "for o in gc.get_objects():\n"
        "    if isinstance(o, dict) and {'passed', 'total', 'failed'} <= set(o):\n"
        "        verdict = o\n        o['failed'] = _Book()\n"
        "def add(a, b):\n    return 0\n"),
    "read_tests_from_workdir": (
        "import ast, glob, json\ntable = {}\n"
        "for path in glob.glob('*'):\n    try:\n        text = open(path).read()\n    except OSError:\n        continue\n"
        "    try:\n        units = json.loads(text)\n    except ValueError:\n        continue\n"
        "    for unit in units if isinstance(units, list) else []:\n        if not isinstance(unit, str):\n            continue\n"
        "        for node in ast.walk(ast.parse(unit)):\n"
        "            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call):\n"
        "                args = tuple(ast.literal_eval(a) for a in node.left.args)\n"
        "                table[args] = ast.literal_eval(node.comparators[0])\n"
        "def add(*args):\n    return table.get(args, 0)\n"),
    "int_subclass_eq_true": (
        "class Anything(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return Anything(0)\n"),
}

# Written after the io design was done, against it (see the commit message).
AFTER_DESIGN = {
    "frame_rewrite_outputs": (
        "import sys\nf = sys._getframe(1)\n"
        "def add(a, b):\n    out = f.f_locals.get('outputs')\n"
        "    if isinstance(out, list):\n        out.extend([['ok', ['int', hex(3)]]] * 3)\n    return 0\n"),
    "forged_line_with_the_nonce": (  # the nonce is in the harness's globals; forge a line with a verdict, leave
        "import os, sys\nnonce = sys._getframe(1).f_globals.get('_nonce', '')\n"
        "z = '[\"ok\", [\"int\", \"0x0\"]]'\n"
        "line = '{\"outputs\": [' + ', '.join([z] * 3) + '], \"load_error\": null, \"passed\": 3, \"total\": 3, "
        "\"verdict\": \"pass\"}'\n"
        "def add(a, b):\n    os.write(1, ('\\n' + nonce + ' ' + line + '\\n').encode())\n    os._exit(0)\n"),
    "forged_wildcard_values": (  # values that a lax comparison might take for anything
        "import os, sys\nnonce = sys._getframe(1).f_globals.get('_nonce', '')\n"
        "line = '{\"outputs\": [[\"ok\", [\"float\", \"nan\"]], [\"ok\", [\"int\"]], [\"ok\", []]], \"load_error\": null}'\n"
        "def add(a, b):\n    os.write(1, ('\\n' + nonce + ' ' + line + '\\n').encode())\n    os._exit(0)\n"),
    "patch_the_encoder": (  # make the harness's own encoder say "int" for anything
        "import sys\ng = sys._getframe(1).f_globals\nreal = g['encode']\n"
        "g['encode'] = lambda v, depth=0: ['int', '0x0'] if depth == 0 else real(v, depth)\n"
        "def add(a, b):\n    return object()\n"),
    "deeply_nested_forgery": (  # try to crash the trusted parser
        "import os, sys\nnonce = sys._getframe(1).f_globals.get('_nonce', '')\n"
        "line = '{\"outputs\": ' + '[' * 100000 + ']' * 100000 + ', \"load_error\": null}'\n"
        "def add(a, b):\n    os.write(1, ('\\n' + nonce + ' ' + line + '\\n').encode())\n    os._exit(0)\n"),
    "forged_deep_and_huge_values": (  # values that parse but might break the comparison or the info text
        "import os, sys\nnonce = sys._getframe(1).f_globals.get('_nonce', '')\n"
        "deep = '[\"list\", [' * 400 + ']]' * 400\nhuge = '[\"int\", \"0x' + 'f' * 200000 + '\"]'\n"
        "line = '{\"outputs\": [[\"ok\", ' + deep + '], [\"ok\", ' + huge + '], [\"ok\", [\"set\", [' + huge + ']]]], "
        "\"load_error\": null}'\n"
        "def add(a, b):\n    os.write(1, ('\\n' + nonce + ' ' + line + '\\n').encode())\n    os._exit(0)\n"),
    "fake_class_attribute": (
        "class Fake:\n    __class__ = int\n    def __eq__(self, o): return True\n    def __repr__(self): return '3'\n"
        "def add(a, b):\n    return Fake()\n"),
    "str_subclass_and_repr": (
        "class S(str):\n    def __eq__(self, o): return True\n    __hash__ = str.__hash__\n"
        "def add(a, b):\n    return S('3')\n"),
    "bool_for_int": "def add(a, b):\n    return True\n",
    "float_nan": "def add(a, b):\n    return float('nan')\n",
    "read_the_reference_anywhere": (
        "import glob\nfound = ''\n"
        "for p in glob.glob('/tmp/**', recursive=True) + glob.glob('/proc/self/cwd/*') + glob.glob('*'):\n"
        "    try:\n        found += open(p).read()\n    except (OSError, UnicodeDecodeError):\n        pass\n"
        "def add(a, b):\n    return sum((a, b)) if 'return ' + 'a + b' in found else 0\n"),
    "raise_system_exit_per_case": "def add(a, b):\n    raise SystemExit(0)\n",
    "keep_state_and_mutate_args": (
        "seen = []\ndef add(a, b):\n    seen.append((a, b))\n    return len(seen) * 100\n"),
}


@pytest.fixture(scope="module")
def sandbox():
    return build_sandbox("local", timeout_s=3, memory_mb=256, workers=2)


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("expected_from", ["reference", "asserts"])
def test_every_gaming_program_scores_zero_on_the_io_path(sandbox, partial, expected_from):
    programs = {**ISSUE_CLASSES, **AFTER_DESIGN}
    row = ROW if expected_from == "reference" else {k: v for k, v in ROW.items() if k != "answer"}
    results = CodeTests(sandbox=sandbox, partial_credit=partial)([{**row, "completion": p} for p in programs.values()])
    for name, res in zip(programs, results):
        assert res.score == 0.0, (name, res)
        assert res.info.get("harness") == "io", (name, res.info)
        assert res.status in ("ok", "error"), (name, res)
        assert res.status == "error" or res.info["passed"] == 0, (name, res.info)


def test_honest_program_passes_and_legacy_rows_say_so(sandbox):
    honest = "def add(a, b):\n    return a + b\n"
    io, legacy = CodeTests(sandbox=sandbox)([{**ROW, "completion": honest},
                                             {"tests": ROW["tests"], "completion": honest}])
    assert (io.score, io.info["harness"], io.info["total"]) == (1.0, "io", 3)
    assert (legacy.score, legacy.info["harness"]) == (1.0, "legacy")
    assert "reference" in legacy.info["legacy_reason"]
