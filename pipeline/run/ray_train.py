"""Multi-worker training under Ray Train, shared by the SFT and GRPO stages.

    result = train(train_sft, spec, num_workers, out_dir=out, name="sft", cfg=cfg)

``entry`` (a module-level function, so Ray workers import it by reference) is called with ``spec`` (plain JSON): in this process when
``num_workers`` is 1, else on every worker of a Ray Train ``TorchTrainer``: DDP over gloo on CPU, NCCL with GPUs; accelerate, and so TRL's
trainers, pick up the process group Ray Train sets up. Rank 0's return value comes back. GPU use and the
backend come from the cluster's resources (``worker_plan``), not from the stage task's own devices.
Workers read and write the run directory, so it must be storage they all share; each worker
takes 1 CPU (or 1 GPU) beyond what the stage task itself holds.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from ..config import PipelineConfig
from .ray_runtime import init_ray

RESULT = "ray_result.json"


Entry = Callable[[dict[str, Any]], dict[str, Any]]


def _loop(config: dict[str, Any]) -> None:
    import ray.train

    from .affinity import restore

    restore()

    result = config["entry"](config["spec"])
    if ray.train.get_context().get_world_rank() == 0:
        (Path(config["out_dir"]) / RESULT).write_text(json.dumps(result))


def worker_plan(num_workers: int, cluster: dict[str, float]) -> tuple[dict[str, Any], str]:
    """Ray Train's ScalingConfig arguments and the process-group backend, decided from the cluster's resources
    (a stage task without GPUs cannot tell from ``torch.cuda.is_available()`` whether its workers get some):
    1 GPU per worker and NCCL on a GPU cluster (a colocated engine runs on its rank's GPU under vLLM's external
    launcher), 1 CPU and gloo otherwise."""
    if cluster.get("GPU", 0) > 0:
        return {"num_workers": num_workers, "use_gpu": True, "resources_per_worker": {"CPU": 1, "GPU": 1}}, "nccl"
    return {"num_workers": num_workers, "use_gpu": False, "resources_per_worker": {"CPU": 1}}, "gloo"


def train(entry: Entry, spec: dict[str, Any], num_workers: int, out_dir: Path, name: str, cfg: PipelineConfig) -> dict[str, Any]:
    if num_workers == 1:
        return entry(spec)
    import ray
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    init_ray(cfg)
    scaling, backend = worker_plan(num_workers, ray.cluster_resources())
    result_file = Path(out_dir) / RESULT
    result_file.unlink(missing_ok=True)
    trainer = TorchTrainer(
        _loop, train_loop_config={"entry": entry, "spec": spec, "out_dir": str(out_dir)},
        scaling_config=ScalingConfig(**scaling), torch_config=TorchConfig(backend=backend),
        # Ray's print patch defeats dill's stdout capture (datasets fingerprints), which then floods the log
        run_config=RunConfig(name=name.replace(":", "_"), storage_path=str(Path(out_dir).resolve() / "ray"),
                             worker_runtime_env={"env_vars": {"RAY_TRAIN_ENABLE_PRINT_PATCH": "0"}}),
    )
    res = trainer.fit()
    if res.error:
        raise res.error
    return json.loads(result_file.read_text())
