"""Config checks for the rollout engines at scale (sleep mode, tensor parallelism, placement).

Run by ``check_semantics``; every failure is a ``ConfigError`` naming the dotted field:

- vLLM allows one sleep-mode engine per process, so an in-process vLLM judge (``judge.backend=vllm``)
  cannot share a training stage with a colocated engine in sleep mode: serve the judge instead;
- a served engine actor must hold its tensor-parallel shards (``rollout.engine_num_gpus``);
- a colocated tensor-parallel engine serves one training process (several ranks would each need one);
- with ``ray.cluster`` set, the whole run must fit it (pipeline/run/placement.py).
"""
from __future__ import annotations

from ..errors import ConfigError
from .schema import PipelineConfig

TRAINING_KINDS = ("expert", "mixed")  # the stages whose rollout engine shares a process with a trainer


def judge_in_process(cfg: PipelineConfig) -> bool:
    names = {s.name for specs in cfg.rewards.values() for s in specs}
    judged = bool({"rubric_judge", "constitution_penalty"} & names) or "writing" in cfg.domains
    return judged and cfg.judge.backend == "vllm"


def sleep_planned(cfg: PipelineConfig) -> bool:
    """Whether a training stage's colocated engine will sleep: on, or auto with GPUs for that stage."""
    r = cfg.rollout
    if r.sleep_mode == "off" or r.vllm_mode != "colocate" or r.backend == "hf":
        return False
    gpus = any(cfg.resources_for(k).num_gpus > 0 for k in TRAINING_KINDS) or bool(cfg.ray.cluster and cfg.ray.cluster.num_gpus)
    return r.sleep_mode == "on" or gpus


def check_rollout_scale(cfg: PipelineConfig) -> None:
    r = cfg.rollout
    if judge_in_process(cfg) and sleep_planned(cfg):
        raise ConfigError("judge.backend", "an in-process vLLM judge would share the training stage's process with the "
                                           "sleep-mode rollout engine (vLLM allows one per process); serve the judge "
                                           "(judge.backend: openai with judge.serve: true, or a base_url) or set "
                                           "rollout.sleep_mode: off")
    ranks = {f"experts.{d}.num_workers": e.num_workers for d, e in cfg.experts.items()}
    ranks["mixed.num_workers"] = cfg.mixed.num_workers
    many = next((f for f, n in ranks.items() if n > 1), None)
    if r.vllm_mode == "colocate" and r.tensor_parallel_size > 1 and many:
        raise ConfigError("rollout.tensor_parallel_size", f"a colocated engine is per training rank and {many} > 1: "
                                                          "each rank's engine would need the other ranks' prompts; use "
                                                          "rollout.vllm_mode: server (one tensor-parallel engine for "
                                                          f"all ranks) or {many}: 1")
    if cfg.grpo.async_.enabled and many:
        raise ConfigError("grpo.async.enabled", f"asynchronous GRPO runs with one training process and {many} > 1; "
                                                f"set {many}: 1 or grpo.async.enabled: false")
    if cfg.grpo.async_.enabled and r.sleep_mode == "on":
        raise ConfigError("rollout.sleep_mode", "asynchronous GRPO keeps the engine generating while the trainer "
                                                "trains, so it never sleeps; set rollout.sleep_mode: auto or off")
    if r.vllm_mode == "server" and 0 < r.engine_num_gpus < r.tensor_parallel_size:
        raise ConfigError("rollout.engine_num_gpus", f"{r.engine_num_gpus:g} GPUs per engine actor cannot hold "
                                                     f"rollout.tensor_parallel_size={r.tensor_parallel_size} shards; "
                                                     "set it to the tensor-parallel size")
    if cfg.ray.cluster is not None:
        from ..run.placement import check_placement

        c = cfg.ray.cluster
        check_placement(cfg, {"GPU": c.num_gpus, "CPU": c.num_cpus})
