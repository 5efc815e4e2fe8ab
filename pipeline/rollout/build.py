"""The rollout engine a stage uses, built from ``cfg.rollout`` in one place.

    engine = rollout_engine(cfg, model_path)               # per rollout.vllm_mode
    engine = rollout_engine(cfg, model_path, served=True)  # always in its own Ray actor

``vllm_mode=colocate`` builds the engine in the stage's process, next to the trainer.
``vllm_mode=server`` (or ``served=True``, which distill fan-out uses) starts it in a Ray actor
with ``rollout.engine_num_cpus`` / ``engine_num_gpus``; see pipeline/rollout/ray_engine.py.
"""
from __future__ import annotations

from typing import Any

from ..config import PipelineConfig
from . import RolloutEngine, build_engine

ENGINE_DTYPES = {"auto": "auto", "bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}


def engine_dtype(cfg: PipelineConfig) -> str:
    """The engine's dtype: ``rollout.dtype``, or ``training.dtype`` when that is auto (so rollouts and
    the trainer share a precision), else ``auto`` (the engine's default: fp32 on CPU)."""
    d = cfg.rollout.dtype if cfg.rollout.dtype != "auto" else cfg.training.dtype
    return ENGINE_DTYPES[d]


def rollout_engine(cfg: PipelineConfig, model: str, served: bool | None = None, **overrides: Any) -> RolloutEngine:
    r = cfg.rollout
    options: dict[str, Any] = dict(backend=r.backend, max_model_len=r.max_model_len, kv_cache_gb=r.kv_cache_gb,
                                   gpu_memory_utilization=r.gpu_memory_utilization, seed=cfg.seed, dtype=engine_dtype(cfg),
                                   trust_remote_code=cfg.trust_remote_code, **overrides)
    if not (r.vllm_mode == "server" if served is None else served):
        return build_engine(model, **options)
    from ..run.ray_runtime import init_ray
    from .ray_engine import RayEngine

    init_ray(cfg)
    return RayEngine(model, num_cpus=r.engine_num_cpus, num_gpus=r.engine_num_gpus,
                     start_timeout_s=r.engine_start_timeout_s, **options)
