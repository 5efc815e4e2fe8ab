"""configs/cluster_8gpu.yaml placed on a simulated 8-GPU Ray cluster (issue 25.5), without running models.

One loopback Ray runtime started with ``num_gpus=8`` (Ray then assigns CUDA_VISIBLE_DEVICES as on a real
node, while torch sees no GPU). For every stage of the example: a task with the stage's resources, inside
it the actors the stage would start (engine actors, the served judge) with theirs, and, for a stage with
several training ranks, a real Ray Train run whose workers report what they see. Checked: every task and
actor gets the GPUs its config asks for (distinct ones), nothing needs more than the cluster has, the
worker plan (GPU use, NCCL) comes from the cluster's resources although no process here has CUDA, and each
rank's engine device is the GPU Ray gave that rank.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "configs" / "cluster_8gpu.yaml"


@pytest.fixture(scope="module")
def ray_8gpu():
    import ray

    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    # 64 simulated CPUs would otherwise make the raylet prestart 64 Python workers on a 2-core machine
    os.environ["RAY_prestart_worker_first_driver"] = "0"
    ray.init(num_gpus=8, num_cpus=64, _node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _stage(ray, demands):
    """A stage task holding the task's resources that starts its actors and reports every GPU it saw
    (everything defined inside, so Ray ships it by value to its workers)."""
    task = demands[0]
    actors = [(d.role, d.num_cpus, d.num_gpus) for d in demands if d.role in ("engine", "judge") for _ in range(d.count)]

    @ray.remote
    def stage_task(actors):
        import os

        import ray
        import torch

        @ray.remote
        class Probe:
            def gpus(self):
                return [str(g) for g in ray.get_gpu_ids()]

        handles = [(role, Probe.options(num_cpus=c, num_gpus=g).remote()) for role, c, g in actors]
        seen = [(role, ray.get(h.gpus.remote(), timeout=240)) for role, h in handles]
        for _, h in handles:
            ray.kill(h)
        return {"task": [str(g) for g in ray.get_gpu_ids()], "actors": seen, "cuda": torch.cuda.is_available(),
                "visible": os.environ.get("CUDA_VISIBLE_DEVICES")}

    return stage_task.options(num_cpus=task.num_cpus, num_gpus=task.num_gpus).remote(actors)


def test_cluster_example_on_a_simulated_8_gpu_cluster(ray_8gpu, tmp_path):
    from pipeline.config import load_config
    from pipeline.run.placement import check_placement, placement_table, ray_cluster
    from pipeline.run.ray_train import worker_plan

    ray = ray_8gpu
    cfg = load_config(CLUSTER, [f"output_dir={tmp_path}", "logging.report_to=[]"])
    cluster = ray_cluster()
    assert cluster["GPU"] == 8
    rows = check_placement(cfg, cluster)
    print("\n" + placement_table(rows))
    for name in dict.fromkeys(d.stage for d in rows):
        demands = [d for d in rows if d.stage == name]
        seen = ray.get(_stage(ray, demands), timeout=300)
        assert len(seen["task"]) == demands[0].num_gpus and not seen["cuda"], (name, seen)
        for (role, gpus), want in zip(seen["actors"], [d for d in demands if d.role in ("engine", "judge")
                                                       for _ in range(d.count)]):
            assert len(gpus) == want.num_gpus, (name, role, gpus)
        every = seen["task"] + [g for _, gs in seen["actors"] for g in gs]
        assert len(every) == len(set(every)), f"{name}: two holders share a GPU: {every}"
    # the worker plan comes from the cluster: GPUs and NCCL although torch sees no CUDA in this process
    scaling, backend = worker_plan(8, cluster)
    assert backend == "nccl" and scaling["use_gpu"] and scaling["resources_per_worker"]["GPU"] == 1
    assert worker_plan(2, {"CPU": 4}) == ({"num_workers": 2, "use_gpu": False, "resources_per_worker": {"CPU": 1}},
                                               "gloo")


@pytest.mark.slow  # starts Ray Train workers (about 45 s on 2 busy cores)
def test_each_training_rank_gets_its_own_gpu_and_seed(ray_8gpu, tmp_path):
    """A real Ray Train run (2 workers, simulated GPUs, gloo: no CUDA here) from inside a stage task."""
    from pipeline.config import load_config

    cfg = load_config(CLUSTER, [f"output_dir={tmp_path}", "logging.report_to=[]", "mixed.num_workers=2"])

    from pipeline.run.placement import ray_cluster
    from pipeline.run.ray_train import worker_plan

    scaling, backend = worker_plan(2, ray_cluster())
    assert backend == "nccl" and scaling["resources_per_worker"] == {"CPU": 1, "GPU": 1}  # from the cluster

    @ray_8gpu.remote(num_cpus=1, num_gpus=1)
    def mixed_stage(scaling, seed, out):
        from pathlib import Path

        from ray.train import RunConfig, ScalingConfig
        from ray.train.torch import TorchConfig, TorchTrainer

        from pipeline.run.placement import rank_view

        # gloo: torch has no CUDA here; on a GPU cluster worker_plan's nccl
        trainer = TorchTrainer(rank_view, train_loop_config={"out_dir": out, "seed": seed},
                               scaling_config=ScalingConfig(**scaling), torch_config=TorchConfig(backend="gloo"),
                               run_config=RunConfig(name="ranks", storage_path=str(Path(out) / "ray")))
        res = trainer.fit()
        if res.error:
            raise res.error
        return True

    assert ray_8gpu.get(mixed_stage.remote(scaling, cfg.seed, str(tmp_path)), timeout=300)
    views = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    print("\n" + "\n".join(json.dumps(v) for v in views))
    for v in views:
        assert v["world_size"] == 2 and len(v["gpu_ids"]) == 1
        assert v["engine_device"] == v["gpu_ids"][0], v  # the engine's device is this rank's own GPU
        assert v["executor"] == "external_launcher"
    assert views[0]["gpu_ids"] != views[1]["gpu_ids"] and views[0]["seed"] != views[1]["seed"]
