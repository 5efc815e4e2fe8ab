"""The stage DAG as Ray tasks, with one manifest per stage and resume.

    experts (parallel) -> distill -> sft -> mixed -> eval -> report

Each stage runs as a Ray task with the resources from ``cfg.resources[<kind>]`` and
``max_retries`` from ``cfg.ray``. A stage's hash covers the config sections it reads plus
the hashes of the stages upstream of it, so a rerun skips complete stages whose hash
matches and reruns a changed stage and everything downstream. ``--from STAGE`` forces a
stage and its downstream.

Ray: attaches to ``cfg.ray.address`` or ``$RAY_ADDRESS`` when set (e.g. under
``ray job submit``), otherwise starts an embedded local runtime bound to 127.0.0.1.

Console (pipeline/run/stage_log.py, progress.py): each stage's process sends its own and its
engines' output to ``<run_dir>/<stage>/stage.log`` and its progress to ``progress.json``; the
driver prints an estimate of the run's time (pipeline/run/estimate.py), draws one bar per running stage
(with its time left), prints one line per finished stage, then the eval table (pipeline/run/summary_table.py)
and the path of ``report/index.html``. ``--verbose`` leaves every output on the console.
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
from ..stages import STAGES, run_stage_inline, stage_kind
from ..vocab import STAGE_KINDS

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
ORDER = STAGE_KINDS


def plan(cfg: PipelineConfig) -> list[str]:
    """Stage names in DAG order for this config."""
    names = [f"expert:{d}" for d in cfg.experts] if "expert" in cfg.stages else []
    names += [k for k in ORDER[1:] if k in cfg.stages]
    missing = sorted({stage_kind(n) for n in names} - set(STAGES.names()))
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


KEPT_FILES = ("stage.log", "progress.json")  # open in the stage process while it clears its folder


def _clear_stage_dir(path: Path) -> None:
    """Empty a stage folder for a clean rerun, keeping its content-addressed ``cache/`` (eval) and the
    log and progress files the running stage already writes to."""
    for child in path.iterdir() if path.is_dir() else []:
        if child.is_dir():
            if child.name != "cache":
                shutil.rmtree(child, ignore_errors=True)
        elif child.name not in KEPT_FILES:
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


def logged_execute(cfg: PipelineConfig, store: RunStore, name: str, config_hash: str) -> dict[str, Any]:
    """``sync_and_execute`` with this process's output in the stage's ``stage.log`` and its progress in
    ``progress.json`` (pipeline/run/stage_log.py)."""
    from .progress import progress_file
    from .stage_log import stage_output

    folder = stage_dir(store.local, name)
    with stage_output(folder) as log_path, progress_file(folder / "progress.json"):
        log.info("stage %s: starting (log %s)", name, log_path)
        return sync_and_execute(cfg, store, name, config_hash)


def _stage_task(cfg_json: dict[str, Any], run_dir: str, name: str, config_hash: str,
                verbose: bool = False) -> dict[str, Any]:
    from .stage_log import set_verbose

    from .affinity import restore

    restore()
    set_verbose(verbose)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = PipelineConfig.model_validate(cfg_json)
    # A remote run's staging folder is this node's own (RunStore.for_config), not the driver's run_dir.
    store = RunStore.for_config(cfg) if is_remote(cfg.output_dir) else RunStore(Path(run_dir))
    return logged_execute(cfg, store, name, config_hash)


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
    from rich.console import Console

    from .progress import StageBars
    from .stage_log import log_to_file, verbose

    log_to_file(run_dir / "run.log")
    console = Console(highlight=False)
    estimates = _print_estimate(console, cfg, [n for n in names if n in forced or not store.is_complete(n, hashes[n])])
    init_ray(cfg)
    from .placement import check_placement, ray_cluster

    check_placement(cfg, ray_cluster(), names)  # a stage the cluster can never place fails here, not in Ray's queue
    cfg_json = cfg.model_dump(mode="json")
    with StageBars(console) as bars:
        for wave in _waves(names):
            todo = [n for n in wave if n in forced or not store.is_complete(n, hashes[n])]
            for n in [n for n in wave if n not in todo]:
                console.print(f"{n}: complete with matching config hash, skipping", soft_wrap=True)
            refs = {}
            for n in todo:
                bars.add(n, stage_dir(run_dir, n) / "progress.json", estimates.get(n))
                refs[_remote(cfg, n).remote(cfg_json, str(run_dir), n, hashes[n], verbose())] = n
            _wait_wave(ray, refs, bars, run_dir)
    log.info("run complete: %s", store.where)
    _print_end(console, run_dir, store.where)
    return 0


def _print_estimate(console: Any, cfg: PipelineConfig, todo: list[str]) -> dict[str, float]:
    """Measure this machine briefly and print how long ``todo`` should take (pipeline/run/estimate.py), before
    Ray starts (so the probe has the CPUs to itself); returns the seconds per stage for the bars."""
    from .estimate import plan_estimate

    if not todo:
        return {}
    try:
        line, per_stage = plan_estimate(cfg, todo)
    except Exception as e:  # an estimate never stops a run
        log.warning("no time estimate: %s: %s", type(e).__name__, e)
        return {}
    log.info("%s; per stage: %s", line, {k: round(v, 1) for k, v in per_stage.items()})
    console.print(line, soft_wrap=True)
    return per_stage


def _wait_wave(ray: Any, refs: dict[Any, str], bars: Any, run_dir: Path) -> None:
    """Wait for one wave's stage tasks, updating the bars and printing each stage's line as it ends."""
    from .progress import stage_summary

    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
        bars.poll()
        for ref in ready:
            name = refs[ref]
            log_path = stage_dir(run_dir, name) / "stage.log"
            try:
                m = ray.get(ref)
            except Exception:
                bars.finish(name, f"{name}: failed (log: {log_path})")
                raise
            log.info("stage %s: complete in %.1fs", name, m.get("duration_s", 0))
            bars.finish(name, stage_summary(name, m, log_path))


def _print_end(console: Any, run_dir: Path, where: str, tables: tuple[str, ...] = ("report", "eval")) -> None:
    """The eval table (from the first of ``tables`` that has one) and, last, where the report is."""
    from .summary_table import print_metrics_table

    for path in (run_dir / t / "metrics.json" for t in tables):
        if path.is_file():
            doc = json.loads(path.read_text())
            print_metrics_table(doc.get("models", {}), console.file, doc.get("comparisons"))
            break
    html = run_dir / "report" / "index.html"
    where_html = f"{where.rstrip('/')}/report/index.html"
    console.print(f"report: {where_html}" if html.is_file() else f"run directory: {where}", soft_wrap=True)


def run_single_stage(cfg: PipelineConfig, name: str) -> int:
    """`posttrain stage NAME`: run one stage in this process (no Ray), always."""
    names = plan(cfg) if not name.startswith("expert:") else [name]
    if name not in names and stage_kind(name) not in STAGES:
        raise ConfigError("stage", f"unknown stage {name!r}; available: {', '.join(names)}")
    hashes = stage_hashes(cfg, names if name in names else [name])
    store = RunStore.for_config(cfg)
    from .progress import single_stage_console

    with single_stage_console(name, stage_dir(store.local, name)) as done:
        m = logged_execute(cfg, store, name, hashes[name])
        done(m)
    if name in ("report", "eval"):
        from rich.console import Console

        _print_end(Console(highlight=False), store.local, store.where, (name,))
    return 0
