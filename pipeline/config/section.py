"""The base of every config section: unknown keys are errors, field docstrings are the field docs, and keys an
earlier release used fail with the name that replaced them. Each section file under pipeline/config/ subclasses it;
schema.py assembles the sections into PipelineConfig.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# Keys an earlier release used, with the name that replaced them (one name per setting).
RENAMED = {"max_completion_len": "max_tokens"}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, validate_assignment=True)

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old in set(RENAMED) & set(data):
                raise ValueError(f"{old} was renamed: use {RENAMED[old]}")
        return data
