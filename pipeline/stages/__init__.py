"""Stage registry. A stage is ``fn(cfg, run_dir, name) -> StageResult`` registered by kind:

    @register_stage("eval")
    def run_eval(cfg, run_dir, name): ...

Kinds: expert (name ``expert:<domain>``), distill, sft, mixed, eval, report. Stage modules
are imported lazily by kind, so importing the registry stays cheap.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

STAGE_MODULES: dict[str, str] = {
    "expert": "pipeline.stages.expert_rl",
    "distill": "pipeline.stages.distill",
    "sft": "pipeline.stages.sft",
    "mixed": "pipeline.stages.mixed_rl",
    "eval": "pipeline.stages.evaluate",
    "report": "pipeline.stages.report",
}
_STAGES: dict[str, Callable[..., "StageResult"]] = {}


@dataclass
class StageResult:
    outputs: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


def register_stage(kind: str) -> Callable:
    def deco(fn: Callable[..., StageResult]) -> Callable[..., StageResult]:
        if kind in _STAGES and _STAGES[kind] is not fn:
            raise ValueError(f"stage {kind!r} already registered")
        _STAGES[kind] = fn
        return fn

    return deco


def stage_kind(name: str) -> str:
    return name.split(":", 1)[0]


def get_stage(name: str) -> Callable[..., StageResult]:
    kind = stage_kind(name)
    if kind not in STAGE_MODULES:
        raise KeyError(f"unknown stage {name!r}; available: {', '.join(sorted(STAGE_MODULES))}")
    importlib.import_module(STAGE_MODULES[kind])
    return _STAGES[kind]


def run_stage_inline(cfg: Any, run_dir: Path, name: str) -> StageResult:
    return get_stage(name)(cfg, Path(run_dir), name)
