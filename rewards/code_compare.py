"""Type-exact comparison of a sandbox's output with the expected value, in the trusted process.

Both sides are in the tagged form of ``code_wire.py``; the expected side comes from our own
recording run, the received side is untrusted data (anything malformed is simply unequal).
Nothing here ever calls a method of a program's object: the program's objects never leave the
sandbox, only their encoding does.

Rules (``same(got, want)``):

- The tags must match: ``bool`` is not ``int`` (``True`` vs ``1`` fails), ``int`` is not
  ``float`` (``2`` vs ``2.0`` fails), ``tuple`` is not ``list``, ``set`` is not ``frozenset``.
- ``int``, ``str``, ``bytes``, ``bool``, ``None``: exactly equal.
- ``float``: NaN equals NaN only; ``inf`` equals the same-signed ``inf`` only; other floats are
  equal when ``math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6)`` (HumanEval's own asserts
  accept about 1e-6 of rounding, and two correct programs may round differently). So ``-0.0``
  equals ``0.0``, as in Python.
- ``list`` / ``tuple``: same length, element by element.
- ``set`` / ``frozenset``: the same members, compared exactly (floats by their exact value with
  ``-0.0`` as ``0.0`` and every NaN as one NaN; no tolerance inside sets).
- ``dict``: the same keys (exactly, as set members), and ``same`` values per key; order is ignored.
"""
from __future__ import annotations

import json
import math
from typing import Any

REL_TOL = ABS_TOL = 1e-6
_EXACT = ("int", "str", "bytes", "bool")


def same(got: Any, want: list[Any]) -> bool:
    """True when the untrusted encoded ``got`` equals the trusted encoded ``want`` by the rules above."""
    try:
        return _same(got, want)
    except (TypeError, ValueError, OverflowError, KeyError, IndexError, RecursionError):
        return False


def _same(got: Any, want: list[Any]) -> bool:
    if type(got) is not list or not got or got[0] != want[0] or len(got) != len(want):
        return False
    tag = want[0]
    if tag == "None":
        return True
    if tag in _EXACT:
        return type(got[1]) is type(want[1]) and got[1] == want[1]
    if tag == "float":
        return _same_float(float.fromhex(got[1]), float.fromhex(want[1]))
    if tag in ("list", "tuple"):
        return type(got[1]) is list and len(got[1]) == len(want[1]) and all(map(_same, got[1], want[1]))
    if tag in ("set", "frozenset"):
        return type(got[1]) is list and _members(got[1]) == _members(want[1])
    if tag == "dict":
        return _same_dict(got[1], want[1])
    return False


def _same_float(got: float, want: float) -> bool:
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return math.isclose(got, want, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _same_dict(got: Any, want: list[Any]) -> bool:
    if type(got) is not list or len(got) != len(want):
        return False
    have = {}
    for pair in got:
        if type(pair) is not list or len(pair) != 2:
            return False
        have[key(pair[0])] = pair[1]
    return len(have) == len(want) and all(key(k) in have and _same(have[key(k)], v) for k, v in want)


def _members(items: list[Any]) -> list[str]:
    return sorted(key(x) for x in items)


def key(value: Any) -> str:
    """A canonical text of an encoded value for exact membership (sets, dict keys)."""
    return json.dumps(_canonical(value), separators=(",", ":"))


def _canonical(value: Any, depth: int = 0) -> Any:
    if depth > 64 or type(value) is not list or not value or type(value[0]) is not str:
        raise ValueError("malformed value")
    tag = value[0]
    if tag == "float":
        f = float.fromhex(value[1])
        return ["float", "nan" if math.isnan(f) else (0.0 + f).hex()]  # -0.0 + 0.0 is 0.0
    if tag in ("list", "tuple"):
        return [tag, [_canonical(v, depth + 1) for v in value[1]]]
    if tag in ("set", "frozenset"):
        return [tag, sorted(json.dumps(_canonical(v, depth + 1)) for v in value[1])]
    if tag == "dict":
        return [tag, sorted(json.dumps([_canonical(k, depth + 1), _canonical(v, depth + 1)]) for k, v in value[1])]
    if tag == "int":  # canonical hex, whatever the sender wrote
        return [tag, hex(int(value[1], 16))]
    return list(value)
