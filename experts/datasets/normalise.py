"""Turn one record of an external source into a schema row (see ``rows.py``).

- ``prompt``: a string, or chat messages (the last user message's content is used);
- ``answer``: strings stay; numbers and booleans become ``str(value)``; lists are joined
  with ", " (the form ``exact_match`` compares item by item); dicts become JSON;
- ``tests``: a string, or a list of assert strings joined by newlines;
- ``rubric``: a list of ``{criterion, weight}`` (or that list as a JSON string);
- ``language``: kept when given, else None (the language reward then detects it);
- ``id``: the record's id (prefixed with ``<domain>-<split>-``) or ``<domain>-<split>-<n>``.

Problems raise ``DataSourceError`` naming the row and the key.
"""
from __future__ import annotations

import json
from typing import Any

from .rows import ROW_KEYS, DataSourceError, Row


def _prompt(value: Any, where: str) -> str:
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        users = [m for m in value if m.get("role") == "user"] or value
        value = users[-1].get("content")
    if not isinstance(value, str) or not value.strip():
        raise DataSourceError(f"{where}: 'prompt' must be a non-empty string or chat messages, got {value!r:.80}")
    return value


def _answer(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _tests(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(t, str) for t in value):
        return "\n".join(value)
    raise DataSourceError(f"{where}: 'tests' must be Python source (a string or a list of strings)")


def _rubric(value: Any, where: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    try:
        items = json.loads(value) if isinstance(value, str) else value
        return [{"criterion": str(c["criterion"]), "weight": float(c.get("weight", 1.0))} for c in items]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise DataSourceError(f"{where}: 'rubric' must be a list of {{criterion, weight}}, got {value!r:.80}") from None


def _optional_str(value: Any, key: str, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise DataSourceError(f"{where}: {key!r} must be a string, got {type(value).__name__}")


def normalise_record(rec: dict[str, Any], domain: str, split: str, idx: int,
                     required: tuple[str, ...], where: str) -> Row:
    """The schema row for ``rec``; raises ``DataSourceError`` naming ``where`` on bad values."""
    for key in required:
        if rec.get(key) is None or rec.get(key) == "":
            raise DataSourceError(f"{where}: required column {key!r} is empty")
    prefix = f"{domain}-{split}-"
    rid = rec.get("id")
    rid = f"{idx:05d}" if rid is None or rid == "" else str(rid)
    row: Row = {k: None for k in ROW_KEYS}
    row.update(id=rid if rid.startswith(prefix) else prefix + rid, domain=domain,
               prompt=_prompt(rec.get("prompt"), where), answer=_answer(rec.get("answer")),
               tests=_tests(rec.get("tests"), where), rubric=_rubric(rec.get("rubric"), where),
               entry_point=_optional_str(rec.get("entry_point"), "entry_point", where),
               language=_optional_str(rec.get("language"), "language", where))
    return row
