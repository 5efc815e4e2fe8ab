"""What every stage of a run asks Ray for, and whether the cluster can ever give it.

    rows = check_placement(cfg, {"GPU": 8, "CPU": 64})   # ConfigError naming the field, else the plan:
    print(placement_table(rows))                          # one Demand per stage task, worker group, actor

Per stage (pipeline/run/orchestrator.py runs each as a Ray task with ``resources.<kind>``):

- **task**: ``resources.<kind>``; a colocated rollout engine lives in it (or in each training worker);
- **workers**: ``<stage>.num_workers > 1`` trains on that many Ray Train workers (ray_train.py), each with
  1 CPU and, on a GPU cluster, 1 GPU (its colocated engine runs there, tensor parallelism > 1 then needs the
  server mode: pipeline/config/rollout_checks.py);
- **engine**: server mode (``rollout.vllm_mode=server``) adds one engine actor shared by the stage's ranks,
  distill fan-out (``distill.workers > 1``) one per worker, each with ``rollout.engine_num_cpus/gpus``;
- **judge**: a served judge (``judge.serve``) is one actor with ``judge.serve_resources`` while judged
  stages run.

A stage whose task and actors together need more than the cluster has would wait forever in Ray's queue;
so would a wave of parallel stages (the experts) whose tasks fill the cluster while none of them can place
its actors. ``check_placement`` turns both into a ``ConfigError`` naming the field to change. GPU use is
decided from the cluster's resources (``cluster_gpus``), never from ``torch.cuda.is_available()`` in a
process that holds no GPU.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..vocab import STAGE_KINDS

TRAINING = ("expert", "sft", "mixed")


def stage_kind(name: str) -> str:
    return name.split(":", 1)[0]


def stage_names(cfg: Any) -> list[str]:
    """The run's stages in order (as pipeline/run/orchestrator.plan, without its registry check)."""
    names = [f"expert:{d}" for d in cfg.experts] if "expert" in cfg.stages else []
    return names + [k for k in STAGE_KINDS[1:] if k in cfg.stages]


@dataclass(frozen=True)
class Demand:
    stage: str
    role: str  # task | workers | engine | judge
    count: int
    num_cpus: float
    num_gpus: float  # per unit
    field: str  # the config field that sets it

    @property
    def gpus(self) -> float:
        return self.count * self.num_gpus

    @property
    def cpus(self) -> float:
        return self.count * self.num_cpus


def _workers(cfg: Any, name: str) -> tuple[int, str]:
    kind = stage_kind(name)
    if kind == "expert":
        domain = name.split(":", 1)[1]
        e = cfg.experts.get(domain)
        return (e.num_workers if e else 1), f"experts.{domain}.num_workers"
    if kind in ("sft", "mixed"):
        return getattr(cfg, kind).num_workers, f"{kind}.num_workers"
    return 1, ""


def _judged(cfg: Any, name: str) -> bool:
    kind = stage_kind(name)
    if kind not in ("expert", "distill", "mixed", "eval"):
        return False
    names = {s.name for specs in cfg.rewards.values() for s in specs}
    return bool({"rubric_judge", "constitution_penalty"} & names) or "writing" in cfg.domains


def stage_demands(cfg: Any, name: str, gpu_cluster: bool) -> list[Demand]:
    """What one stage holds at once: its task, its training workers, its engine actors, the served judge."""
    kind, r = stage_kind(name), cfg.rollout
    res = cfg.resources_for(kind)
    rows = [Demand(name, "task", 1, res.num_cpus, res.num_gpus, f"resources.{kind}")]
    workers, field = _workers(cfg, name)
    if workers > 1:
        rows.append(Demand(name, "workers", workers, 1, 1 if gpu_cluster else 0, field))
    if kind in ("expert", "mixed", "eval") and r.vllm_mode == "server" or kind == "distill" and (
            cfg.distill.workers > 1 or r.vllm_mode == "server"):
        count = cfg.distill.workers if kind == "distill" else 1
        rows.append(Demand(name, "engine", count, r.engine_num_cpus, r.engine_num_gpus, "rollout.engine_num_gpus"))
    j = cfg.judge
    if j.serve and _judged(cfg, name):
        rows.append(Demand(name, "judge", 1, j.serve_resources.num_cpus, j.serve_resources.num_gpus,
                           "judge.serve_resources"))
    return rows


def _fits(rows: list[Demand], cluster: dict[str, float], what: str) -> None:
    gpus, cpus = sum(d.gpus for d in rows), sum(d.cpus for d in rows)
    if gpus <= cluster.get("GPU", 0) and cpus <= cluster.get("CPU", 0):
        return
    big = max(rows, key=lambda d: (d.gpus if gpus > cluster.get("GPU", 0) else d.cpus))
    unit = "GPUs" if gpus > cluster.get("GPU", 0) else "CPUs"
    need, have = (gpus, cluster.get("GPU", 0)) if unit == "GPUs" else (cpus, cluster.get("CPU", 0))
    parts = ", ".join(f"{d.role} {d.count}x{d.num_gpus if unit == 'GPUs' else d.num_cpus:g}" for d in rows)
    raise ConfigError(big.field, f"{what} needs {need:g} {unit} at once ({parts}) but the cluster has {have:g}; "
                                 f"lower {big.field} or add nodes (Ray would wait for them forever)")


def check_placement(cfg: Any, cluster: dict[str, float], names: list[str] | None = None) -> list[Demand]:
    """Raise ``ConfigError`` when a stage (of ``names``, default the run's), or the wave of parallel experts,
    can never be placed on ``cluster`` (Ray's total resources: CPU, GPU); returns the plan."""
    names = stage_names(cfg) if names is None else names
    gpu_cluster = cluster.get("GPU", 0) > 0
    r = cfg.rollout
    if gpu_cluster and r.vllm_mode == "server" and 0 < r.engine_num_gpus < r.tensor_parallel_size:
        raise ConfigError("rollout.engine_num_gpus", f"{r.engine_num_gpus:g} GPUs per engine actor cannot hold "
                                                     f"rollout.tensor_parallel_size={r.tensor_parallel_size} shards")
    rows: list[Demand] = []
    for name in names:
        stage = stage_demands(cfg, name, gpu_cluster)
        _fits(stage, cluster, f"stage {name}")
        task = stage[0]
        if gpu_cluster and r.vllm_mode == "colocate" and stage_kind(name) in TRAINING and len(stage) == 1 \
                and task.num_gpus and task.num_gpus < r.tensor_parallel_size:
            raise ConfigError(task.field + ".num_gpus", f"{task.num_gpus:g} GPUs cannot hold the colocated engine's "
                                                        f"rollout.tensor_parallel_size={r.tensor_parallel_size} shards")
        rows += stage
    experts = [d for d in rows if stage_kind(d.stage) == "expert"]
    if experts:  # the expert wave: all tasks may hold their share while one stage still needs its actors
        tasks = [d for d in experts if d.role == "task"]
        extra = min((sum(d.gpus for d in experts if d.stage == t.stage and d.role != "task") for t in tasks), default=0)
        if extra and sum(d.gpus for d in tasks) + extra > cluster.get("GPU", 0):
            raise ConfigError("resources.expert.num_gpus", "the experts run in parallel and their tasks can take every "
                                                           "GPU while each still waits for its engine or workers; lower "
                                                           "resources.expert.num_gpus, use vllm_mode=colocate, or add GPUs")
    return rows


def placement_table(rows: list[Demand]) -> str:
    """A fixed-width table of the plan (stage, role, count, CPUs and GPUs per unit, total GPUs, field)."""
    head = f"{'stage':<22}{'role':<9}{'count':>6}{'cpus':>7}{'gpus':>7}{'total_gpus':>12}  field"
    lines = [head, "-" * len(head)]
    for d in rows:
        lines.append(f"{d.stage:<22}{d.role:<9}{d.count:>6}{d.num_cpus:>7g}{d.num_gpus:>7g}{d.gpus:>12g}  {d.field}")
    return "\n".join(lines)


def ray_cluster() -> dict[str, Any]:
    """The attached Ray cluster's total resources (CPU, GPU, ...)."""
    import ray

    return dict(ray.cluster_resources())


def rank_view(spec: dict[str, Any]) -> dict[str, Any]:
    """What one training rank sees (a Ray Train entry; tests/integration/test_placement_ray.py): its rank
    variables, its GPUs, and the device its colocated engine would use. On CUDA each rank's engine runs
    under vLLM's external launcher, which takes device ``LOCAL_RANK`` of ``CUDA_VISIBLE_DEVICES``
    (pipeline/rollout/engine_args.py); that must be the GPU Ray gave this rank."""
    import os

    import ray

    from ..rollout.engine_args import EngineSpec, rank_info, vllm_kwargs

    rank = rank_info()
    visible = [d for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d]
    kwargs = vllm_kwargs(EngineSpec("model", seed=spec.get("seed", 0),
                                    tensor_parallel_size=spec.get("tensor_parallel_size", 1)),
                         cuda=bool(visible), rank=rank)
    view = {"rank": rank.rank, "local_rank": rank.local_rank, "world_size": rank.world_size,
            "gpu_ids": [str(g) for g in ray.get_gpu_ids()], "visible": visible,
            "engine_device": visible[rank.local_rank] if len(visible) > rank.local_rank else None,
            "executor": kwargs.get("distributed_executor_backend"), "seed": kwargs["seed"]}
    if spec.get("out_dir"):  # every rank's view, not only rank 0's return value
        import json
        from pathlib import Path

        (Path(spec["out_dir"]) / f"rank{rank.rank}.json").write_text(json.dumps(view))
    return view
