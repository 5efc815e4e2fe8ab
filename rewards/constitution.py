"""Constitution files for the generative judge: principles, a score scale, per-domain rubrics.

    principles:                      # what every judged response is held to
      - {id: helpful, text: "Answers the user's actual request.", weight: 3}
    scale: {min: 0, max: 10}         # integer scale the judge scores on
    rubrics:                         # per-domain default criteria (scored one by one)
      writing: [{criterion: "Fulfils the request", weight: 2}]
    guard:                           # optional extra injection patterns (see judge_guard.py)
      patterns: {my_pattern: "(?i)secret grader code"}
      disable: [role_marker_weak]

Which criteria are scored: a row's own ``rubric`` wins over the domain's default; with
neither, the principles themselves become the criteria. The principles are always shown to
the judge as the standard to apply. Every weight must be >= 0 and the weights of one list
must not all be zero.

Errors raise :class:`ConstitutionError` whose message starts with the field path, e.g.
``principles[2].weight: must be >= 0``. Check a file with
``python -c "from rewards.constitution import load_constitution as l; l('configs/constitutions/default.yaml')"``.

Departure from the paper: V3.2 describes a generative reward model guided by per-prompt
rubrics; the concrete YAML shape (weights, scale, guard patterns) is ours.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_FINITE = ConfigDict(extra="forbid", allow_inf_nan=False)


class ConstitutionError(ValueError):
    """Invalid constitution or rubric. ``path`` is the dotted field path, or '' for the whole file."""

    def __init__(self, path: str, problem: str):
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem}" if path else problem)


def slug(text: str, limit: int = 40) -> str:
    """A component-name-safe id from free text: 'Asks clearly for Friday off' -> 'asks_clearly_for_friday_off'."""
    s = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return (s[:limit].rstrip("_") or "criterion")


class Principle(BaseModel):
    """One principle of the constitution."""

    model_config = _FINITE
    id: str = Field(min_length=1)
    """Short identifier, unique in the file (e.g. ``helpful``)."""
    text: str = Field(min_length=1)
    """The principle as the judge reads it."""
    weight: float = Field(1.0, ge=0)
    """Importance (>= 0); used as the criterion weight when no rubric applies."""


class Criterion(BaseModel):
    """One rubric criterion the judge scores on the constitution's scale."""

    model_config = _FINITE
    criterion: str = Field(min_length=1)
    """What the response is checked for, as the judge reads it."""
    weight: float = Field(1.0, ge=0)
    """Weight in the row's score (>= 0)."""
    id: str | None = None
    """Optional component name (``rubric_judge/<id>``); defaults to a slug of the criterion text."""


class Scale(BaseModel):
    """Integer score range the judge uses for every criterion."""

    model_config = _FINITE
    min: int = 0
    """Lowest score (a flagged response under guard=penalize gets this)."""
    max: int = 10
    """Highest score; must be greater than min."""

    @model_validator(mode="after")
    def _order(self) -> "Scale":
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        return self


class GuardPatterns(BaseModel):
    """Extra injection-guard settings carried by the constitution."""

    model_config = _FINITE
    patterns: dict[str, str] = Field(default_factory=dict)
    """name -> regular expression; a match flags the response (a strong signal)."""
    disable: list[str] = Field(default_factory=list)
    """Names of built-in guard signals to switch off (see rewards/judge_guard.py)."""

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v: dict[str, str]) -> dict[str, str]:
        for name, rx in v.items():
            try:
                re.compile(rx)
            except re.error as e:
                raise ValueError(f"pattern {name!r} is not a valid regular expression: {e}") from None
        return v


def _check_weights(items: list[Any], what: str) -> None:
    if not items:
        raise ValueError(f"{what} must not be empty")
    if sum(i.weight for i in items) <= 0:
        raise ValueError(f"{what} weights are all zero; give at least one a positive weight")


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)


class _PathError(ValueError):
    """A cross-field problem that knows its own sub-path (pydantic keeps it in ctx['error'])."""

    def __init__(self, path: str, problem: str):
        self.path, self.problem = path, problem
        super().__init__(problem)


def _check_list(items: list[Any], path: str, what: str, key: Any) -> None:
    try:
        _check_weights(items, what)
        _check_unique([key(i) for i in items], what.rstrip("s") + " id" if what == "principles" else "criterion")
    except ValueError as e:
        raise _PathError(path, str(e)) from None


class Constitution(BaseModel):
    """Principles + scale + per-domain rubrics (+ optional guard patterns)."""

    model_config = _FINITE
    principles: list[Principle]
    """The standard every judged response is held to; non-empty, weights not all zero."""
    scale: Scale = Field(default_factory=Scale)
    """Integer score range for each criterion."""
    rubrics: dict[str, list[Criterion]] = Field(default_factory=dict)
    """domain -> default criteria; a row's own ``rubric`` takes precedence."""
    guard: GuardPatterns = Field(default_factory=GuardPatterns)
    """Extra injection patterns and switched-off built-in signals."""

    @model_validator(mode="after")
    def _lists(self) -> "Constitution":
        _check_list(self.principles, "principles", "principles", lambda p: p.id)
        for domain, crits in self.rubrics.items():
            _check_list(crits, f"rubrics.{domain}", "rubric", lambda c: criterion_id(c))
        return self

    def rubric_for(self, domain: str | None, row_rubric: Any = None) -> list[Criterion]:
        """Criteria to score: the row's rubric, else the domain default, else the principles.

        ``row_rubric`` may be a list of ``{criterion, weight}`` dicts, Criterion objects, or a
        JSON string of that list (datasets store nested columns as strings). An invalid one
        raises ConstitutionError with a ``rubric[i].field`` path.
        """
        if isinstance(row_rubric, str) and row_rubric.strip():
            try:
                row_rubric = json.loads(row_rubric)
            except json.JSONDecodeError as e:
                raise ConstitutionError("rubric", f"not valid JSON: {e}") from None
        if row_rubric:
            return parse_rubric(row_rubric)
        if domain is not None and domain in self.rubrics:
            return list(self.rubrics[domain])
        return [Criterion(criterion=p.text, weight=p.weight, id=p.id) for p in self.principles]

    def fingerprint(self) -> str:
        """Hash of everything that changes the judge's prompt (principles and scale)."""
        blob = json.dumps({"principles": [p.model_dump() for p in self.principles],
                           "scale": self.scale.model_dump()}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class _Rubric(BaseModel):
    model_config = _FINITE
    rubric: list[Criterion]

    @model_validator(mode="after")
    def _list(self) -> "_Rubric":
        _check_list(self.rubric, "rubric", "rubric", lambda c: criterion_id(c))
        return self


def criterion_id(c: Criterion) -> str:
    """The component name of a criterion: its ``id`` or a slug of its text."""
    return c.id or slug(c.criterion)


def parse_rubric(items: Any) -> list[Criterion]:
    """Validate a row's rubric; errors are ConstitutionError with ``rubric[i].field`` paths."""
    items = [i.model_dump() if isinstance(i, BaseModel) else i for i in items] if isinstance(items, list) else items
    try:
        return _Rubric.model_validate({"rubric": items}).rubric
    except ValidationError as e:
        raise _first_error(e) from None


_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "missing": "required field is missing",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "int_type": "must be an integer",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}
_FIELDS = {"": Constitution, "principles": Principle, "rubrics": Criterion, "rubric": Criterion,
           "scale": Scale, "guard": GuardPatterns}


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _first_error(e: ValidationError) -> ConstitutionError:
    err = e.errors()[0]
    loc, kind = tuple(err["loc"]), err["type"]
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, _PathError):
        return ConstitutionError(cause.path, cause.problem)
    if kind == "extra_forbidden":
        model = _FIELDS.get(str(loc[0]) if len(loc) > 1 else "", Constitution)
        return ConstitutionError(_path(loc), f"unknown field; allowed: {', '.join(model.model_fields)}")
    ctx = {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in (err.get("ctx") or {}).items()}
    msg = _MESSAGES.get(kind, "").format(**ctx) or str(err["msg"]).removeprefix("Value error, ")
    more = len(e.errors()) - 1
    return ConstitutionError(_path(loc), msg + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))


def load_constitution(path: str | Path) -> Constitution:
    """Read and validate a constitution YAML file; raises ConstitutionError naming the field."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ConstitutionError("", f"cannot read constitution {str(path)!r}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise ConstitutionError("", f"constitution {str(path)!r} is not valid YAML: {' '.join(str(e).split())}") from None
    return constitution_from_dict(data, source=str(path))


def constitution_from_dict(data: Any, source: str = "constitution") -> Constitution:
    """Validate an already-parsed mapping (e.g. an inline ``judge.constitution`` block)."""
    if not isinstance(data, dict):
        raise ConstitutionError("", f"{source}: top level must be a mapping with 'principles', got {type(data).__name__}")
    try:
        return Constitution.model_validate(data)
    except ValidationError as e:
        raise _first_error(e) from None
