"""Constitution files: principles, a score scale and per-domain rubrics (YAML).

    principles: [{id: helpful, text: "...", weight: 2}]
    scale: {min: 0, max: 10}
    rubrics: {writing: [{criterion: "...", weight: 1}]}

A row's own ``rubric`` takes precedence over the domain's default; with neither, the
principles themselves are the criteria.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ConstitutionError(ValueError):
    """Invalid constitution file; the message names the field."""


class Principle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    weight: float = Field(1.0, ge=0)


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    criterion: str
    weight: float = Field(1.0, ge=0)


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: int = 0
    max: int = 10

    @model_validator(mode="after")
    def _order(self) -> "Scale":
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        return self


class Constitution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    principles: list[Principle]
    scale: Scale = Field(default_factory=Scale)
    rubrics: dict[str, list[Criterion]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _weights(self) -> "Constitution":
        if not self.principles or sum(p.weight for p in self.principles) <= 0:
            raise ValueError("principles must be non-empty with weights that do not sum to zero")
        return self

    def rubric_for(self, domain: str | None, row_rubric: list[dict[str, Any]] | None) -> list[Criterion]:
        if row_rubric:
            return [Criterion.model_validate(c) for c in row_rubric]
        if domain in self.rubrics:
            return self.rubrics[domain]
        return [Criterion(criterion=p.text, weight=p.weight) for p in self.principles]


def load_constitution(path: str | Path) -> Constitution:
    try:
        data = yaml.safe_load(Path(path).read_text())
        return Constitution.model_validate(data or {})
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) if not isinstance(x, int) else f"[{x}]" for x in err["loc"]).replace(".[", "[")
        raise ConstitutionError(f"{loc}: {err['msg'].removeprefix('Value error, ')}") from None
    except (OSError, yaml.YAMLError) as e:
        raise ConstitutionError(f"cannot read constitution: {str(e).splitlines()[0]}") from None
