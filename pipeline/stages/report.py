"""Report stage: render ``<run>/report/`` (index.html, report.md, metrics.json) from the run's
eval results, training logs and manifests (pipeline/report/). It needs the eval stage's
``eval/metrics.json``; without it the stage fails with an InputError naming the fix.

    posttrain stage report configs/demo.yaml     # same as: posttrain report <output_dir>
"""
from __future__ import annotations

from pathlib import Path

from ..config import PipelineConfig
from ..run.manifest import stage_dir
from . import StageResult, register_stage


@register_stage("report")
def run_report(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    from ..report import render_report

    paths = render_report([run_dir], stage_dir(run_dir, name), config=cfg.model_dump(mode="json"))
    return StageResult(outputs={k: str(v) for k, v in paths.items()})
