"""The stage DAG as Ray tasks, with one manifest per stage and resume.

    experts (parallel) -> distill -> sft -> mixed -> eval -> report

Each stage runs as a Ray task with the resources from ``cfg.resources[<kind>]`` and
``max_retries`` from ``cfg.ray``. A stage's hash covers the config sections it reads plus
the hashes of the stages upstream of it, so a rerun skips complete stages whose hash
matches and reruns a changed stage and everything downstream. ``--from STAGE`` forces a
stage and its downstream.

Ray: attaches to ``cfg.ray.address`` or ``$RAY_ADDRESS`` when set (e.g. under
``ray job submit``), otherwise starts an embedded local runtime bound to 127.0.0.1.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

from ..config import PipelineConfig
from ..errors import ConfigError
from .manifest import read_manifest, stage_dir, write_manifest
from .ray_runtime import init_ray
from .run_store import RunStore, is_remote
from ..stages import STAGE_MODULES, run_stage_inline, stage_kind

log = logging.getLogger(__name__)

# Config sections each stage kind reads; a change in any of them reruns the stage.
STAGE_SECTIONS: dict[str, tuple[str, ...]] = {
    "expert": ("model", "seed", "rollout", "rewards", "judge", "sandbox", "data", "grpo", "experts"),
    "distill": ("model", "domains", "rollout", "rewards", "judge", "sandbox", "data", "seed", "distill"),
    "sft": ("model", "seed", "sft"),
    "mixed": ("domains", "rollout", "rewards", "judge", "sandbox", "data", "grpo", "seed", "mixed"),
    "eval": ("model", "seed", "domains", "rollout", "rewards", "judge", "sandbox", "data", "eval"),
    "report": (),
}
ORDER = ("expert", "distill", "sft", "mixed", "eval", "report")


def plan(cfg: PipelineConfig) -> list[str]:
    """Stage names in DAG order for this config."""
    names = [f"expert:{d}" for d in cfg.experts] if "expert" in cfg.stages else []
    names += [k for k in ORDER[1:] if k in cfg.stages]
    missing = sorted({stage_kind(n) for n in names} - set(STAGE_MODULES))
    if missing:
        raise ConfigError("experts" if "expert" in missing else missing[0],
                          f"stage kind(s) {missing} are not available in this version of posttrain")
    return names


def stage_hashes(cfg: PipelineConfig, names: list[str]) -> dict[str, str]:
    data = cfg.model_dump(mode="json")
    hashes: dict[str, str] = {}
    for name in names:
        kind = stage_kind(name)
        upstream = [hashes[n] for n in names if ORDER.index(stage_kind(n)) < ORDER.index(kind)]
        payload = {"name": name, "sections": {s: data[s] for s in STAGE_SECTIONS[kind]}, "upstream": upstream}
        hashes[name] = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return hashes


def _clear_stage_dir(path: Path) -> None:
    """Empty a stage folder for a clean rerun, keeping its content-addressed ``cache/`` (eval)."""
    for child in path.iterdir() if path.is_dir() else []:
        if child.is_dir():
            if child.name != "cache":
                shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def execute_stage(cfg: PipelineConfig, run_dir: Path, name: str, config_hash: str) -> dict[str, Any]:
    """Run one stage in this process and record its manifest (running -> complete/failed).

    A stage that was interrupted (manifest running/failed with the same config hash) keeps its
    folder, so it resumes from its own checkpoints or shards; a stage rerun because it was forced
    or its config changed starts from an empty folder."""
    prev = read_manifest(run_dir, name)
    if prev and (prev.get("status") == "complete" or prev.get("config_hash") != config_hash):
        _clear_stage_dir(stage_dir(run_dir, name))
    started = time.time()
    attempt = (prev or {}).get("attempt", 0) + 1 if prev and prev.get("config_hash") == config_hash else 1
    write_manifest(run_dir, name, status="running", config_hash=config_hash, started=started, pid=os.getpid(),
                   attempt=attempt)
    try:
        result = run_stage_inline(cfg, run_dir, name)
    except BaseException as e:
        write_manifest(run_dir, name, status="failed", error=f"{type(e).__name__}: {e}",
                       traceback=traceback.format_exc()[-4000:])
        raise
    return write_manifest(run_dir, name, status="complete", outputs=result.outputs, metrics=result.metrics,
                          finished=time.time(), duration_s=round(time.time() - started, 2))


def sync_and_execute(cfg: PipelineConfig, store: RunStore, name: str, config_hash: str) -> dict[str, Any]:
    """``execute_stage`` in ``store.local``; for a remote ``output_dir`` (pipeline/run/run_store.py) pull the
    complete upstream stages first (and this stage's ``cache/`` if it has no local folder), push it after."""
    if store.remote:
        store.pull_complete(ORDER[:ORDER.index(stage_kind(name))])
        store.pull_kept(name)
    m = execute_stage(cfg, store.local, name, config_hash)
    store.push_stage(name)
    return m


def _stage_task(cfg_json: dict[str, Any], run_dir: str, name: str, config_hash: str) -> dict[str, Any]:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = PipelineConfig.model_validate(cfg_json)
    # A remote run's staging folder is this node's own (RunStore.for_config), not the driver's run_dir.
    store = RunStore.for_config(cfg) if is_remote(cfg.output_dir) else RunStore(Path(run_dir))
    return sync_and_execute(cfg, store, name, config_hash)


def _remote(cfg: PipelineConfig, name: str):
    import ray

    res = cfg.resources_for(stage_kind(name))
    # max_calls=1: each stage gets a fresh worker process, so vLLM's process-global state and the
    # memory of one stage's engines never leak into the next stage that Ray schedules there.
    opts: dict[str, Any] = dict(num_cpus=res.num_cpus, num_gpus=res.num_gpus, max_retries=cfg.ray.max_retries,
                                retry_exceptions=False)
    if res.memory_gb:
        opts["memory"] = int(res.memory_gb * 2**30)
    return ray.remote(max_calls=1)(_stage_task).options(name=name, **opts)


def _waves(names: list[str]) -> list[list[str]]:
    """Group consecutive stages of the same kind (the experts) into one parallel wave."""
    waves: list[list[str]] = []
    for n in names:
        if waves and stage_kind(waves[-1][0]) == stage_kind(n) == "expert":
            waves[-1].append(n)
        else:
            waves.append([n])
    return waves


def run_pipeline(cfg: PipelineConfig, from_stage: str | None = None) -> int:
    import ray

    store = RunStore.for_config(cfg)  # a bad output_dir URL is a ConfigError here, before Ray starts
    run_dir = store.local
    names = plan(cfg)
    if from_stage and from_stage not in names:
        raise ConfigError("--from", f"unknown stage {from_stage!r}; this run has: {', '.join(names)}")
    hashes = stage_hashes(cfg, names)
    forced = set(names[names.index(from_stage):]) if from_stage else set()
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(cfg.model_dump_json(indent=2))
    store.push_file("config.json")
    init_ray(cfg)
    cfg_json = cfg.model_dump(mode="json")
    for wave in _waves(names):
        todo = [n for n in wave if n in forced or not store.is_complete(n, hashes[n])]
        for n in set(wave) - set(todo):
            log.info("stage %s: complete with matching config hash, skipping", n)
        refs = [_remote(cfg, n).remote(cfg_json, str(run_dir), n, hashes[n]) for n in todo]
        for n, m in zip(todo, ray.get(refs)):
            log.info("stage %s: complete in %.1fs", n, m.get("duration_s", 0))
    log.info("run complete: %s", store.where)
    return 0


def run_single_stage(cfg: PipelineConfig, name: str) -> int:
    """`posttrain stage NAME`: run one stage in this process (no Ray), always."""
    names = plan(cfg) if not name.startswith("expert:") else [name]
    if name not in names and stage_kind(name) not in STAGE_MODULES:
        raise ConfigError("stage", f"unknown stage {name!r}; available: {', '.join(names)}")
    hashes = stage_hashes(cfg, names if name in names else [name])
    sync_and_execute(cfg, RunStore.for_config(cfg), name, hashes[name])
    return 0
