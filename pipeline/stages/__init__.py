"""Stage registry. A stage is ``fn(cfg, run_dir, name) -> StageResult`` registered by kind:

    @register_stage("eval")
    def run_eval(cfg, run_dir, name): ...

Kinds are ``pipeline.vocab.STAGE_KINDS`` (experts are named ``expert:<domain>``). Stage modules
are imported lazily by kind, so importing the registry stays cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rewards.registry import Registry

from ..vocab import STAGE_KINDS

# One built-in stage function per kind (pipeline/vocab.py), imported on first use.
STAGES = Registry("stage", {
    "expert": "pipeline.stages.expert_rl:run_expert",
    "distill": "pipeline.stages.distill:run_distill",
    "sft": "pipeline.stages.sft:run_sft",
    "mixed": "pipeline.stages.mixed_rl:run_mixed",
    "eval": "pipeline.stages.evaluate:run_eval",
    "report": "pipeline.stages.report:run_report",
})
if set(STAGES.builtins) != set(STAGE_KINDS):
    raise RuntimeError("pipeline/vocab.py STAGE_KINDS and the built-in stage table disagree")


@dataclass
class StageResult:
    outputs: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


def register_stage(kind: str) -> Callable:
    """Decorator: the stage function of ``kind``; a second one from elsewhere is rejected."""
    return STAGES.decorator(kind)


def stage_kind(name: str) -> str:
    return name.split(":", 1)[0]


def get_stage(name: str) -> Callable[..., StageResult]:
    kind = stage_kind(name)
    if kind not in STAGES:
        raise KeyError(f"unknown stage {name!r}; available: {', '.join(STAGES.names())}")
    return STAGES.get(kind)


def run_stage_inline(cfg: Any, run_dir: Path, name: str) -> StageResult:
    return get_stage(name)(cfg, Path(run_dir), name)
