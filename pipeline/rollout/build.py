"""The rollout engine a stage uses, built from ``cfg.rollout`` in one place.

    engine = rollout_engine(cfg, model_path)               # per rollout.vllm_mode
    engine = rollout_engine(cfg, model_path, served=True)  # always in its own Ray actor

``vllm_mode=colocate`` builds the engine in the stage's process, next to the trainer (sleep mode,
one device and seed per training rank: pipeline/rollout/engine_args.py, sleep.py).
``vllm_mode=server`` (or ``served=True``, which distill fan-out uses) starts it in a Ray actor
with ``rollout.engine_num_cpus`` / ``engine_num_gpus``; see pipeline/rollout/ray_engine.py. Under
Ray Train (several training ranks) the server-mode ranks share one named actor that rank 0 creates
and syncs. Every engine gets the sync settings (``sync_bucket_mb``, the probe check's bound).
"""
from __future__ import annotations

import hashlib
from typing import Any

from ..config import PipelineConfig
from . import RolloutEngine, build_engine
from .engine_args import rank_info
from .probe import default_max_gap

ENGINE_DTYPES = {"auto": "auto", "bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}


def engine_dtype(cfg: PipelineConfig) -> str:
    """The engine's dtype: ``rollout.dtype``, or ``training.dtype`` when that is auto (so rollouts and
    the trainer share a precision), else ``auto`` (the engine's default: fp32 on CPU)."""
    d = cfg.rollout.dtype if cfg.rollout.dtype != "auto" else cfg.training.dtype
    return ENGINE_DTYPES[d]


def sync_check_bound(cfg: PipelineConfig, cuda: bool) -> float | None:
    """``rollout.sync_check_max_gap``, or the bound for the precisions in use; None = no check."""
    r = cfg.rollout
    if not r.sync_check:
        return None
    if r.sync_check_max_gap is not None:
        return r.sync_check_max_gap
    trainer = cfg.training.dtype if cfg.training.dtype != "auto" else ("bf16" if cuda else "fp32")
    engine = engine_dtype(cfg) if engine_dtype(cfg) != "auto" else ("bfloat16" if cuda else "float32")
    return default_max_gap(engine, trainer)


def shared_engine_name(cfg: PipelineConfig, model: str) -> str:
    """The named actor all training ranks of one stage share (server mode under Ray Train)."""
    key = hashlib.sha256(f"{cfg.output_dir}|{model}".encode()).hexdigest()[:12]
    return f"posttrain-engine-{key}"


def rollout_engine(cfg: PipelineConfig, model: str, served: bool | None = None, **overrides: Any) -> RolloutEngine:
    import torch

    r = cfg.rollout
    colocated = not (r.vllm_mode == "server" if served is None else served)
    options: dict[str, Any] = dict(backend=r.backend, max_model_len=r.max_model_len, kv_cache_gb=r.kv_cache_gb,
                                   gpu_memory_utilization=r.gpu_memory_utilization, seed=cfg.seed, dtype=engine_dtype(cfg),
                                   trust_remote_code=cfg.trust_remote_code, tensor_parallel_size=r.tensor_parallel_size,
                                   sleep_mode=r.sleep_mode, colocated=colocated, **overrides)
    if colocated:
        engine = build_engine(model, **options)
    else:
        from ..run.ray_runtime import init_ray
        from .ray_engine import RayEngine

        init_ray(cfg)
        rank = rank_info()
        share = served is None and rank.world_size > 1  # training ranks: one actor, synced by rank 0
        engine = RayEngine(model, num_cpus=r.engine_num_cpus, num_gpus=r.engine_num_gpus,
                           start_timeout_s=r.engine_start_timeout_s, name=shared_engine_name(cfg, model) if share else None,
                           owner=not share or rank.rank == 0, **options)
    engine.sync_bucket_mb = r.sync_bucket_mb
    engine.sync_check_max_gap = sync_check_bound(cfg, torch.cuda.is_available())
    return engine
