"""Placement checks (issue 25.5) without Ray: configs/cluster_8gpu.yaml fits its 8-GPU cluster, and a plan
that can never be placed is a ConfigError naming the field to change. The same plan on a simulated Ray
cluster: tests/integration/test_placement_ray.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.run.placement import check_placement, placement_table

CLUSTER = Path(__file__).resolve().parents[4] / "configs" / "cluster_8gpu.yaml"
EIGHT = {"GPU": 8, "CPU": 64}


def _cfg(*over):
    return load_config(CLUSTER, ["output_dir=/tmp/x", "logging.report_to=[]", *over])


def test_cluster_example_fits_and_its_table_lists_every_stage():
    rows = check_placement(_cfg(), EIGHT)
    table = placement_table(rows)
    assert "expert:math" in table and "sft" in table and "distill" in table
    by = {(d.stage, d.role): d for d in rows}
    assert by[("sft", "workers")].gpus == 8 and by[("distill", "engine")].gpus == 8
    assert by[("expert:math", "task")].num_gpus == 1 and ("expert:math", "engine") not in by  # colocated


@pytest.mark.parametrize("over,field", [
    (["sft.num_workers=9"], r"^sft\.num_workers: stage sft needs 9 GPUs at once"),
    (["distill.workers=12"], r"^rollout\.engine_num_gpus: stage distill needs 12 GPUs"),
    (["rollout.vllm_mode=server", "rollout.engine_num_gpus=1", "rollout.tensor_parallel_size=2"],
     r"^rollout\.engine_num_gpus: 1 GPUs per engine actor cannot hold rollout\.tensor_parallel_size=2"),
    (["rollout.tensor_parallel_size=2"], r"^resources\.expert\.num_gpus: 1 GPUs cannot hold the colocated engine"),
    (["rollout.vllm_mode=server", "rollout.engine_num_gpus=1", "resources.expert.num_gpus=1.5"],
     r"^resources\.expert\.num_gpus: the experts run in parallel"),
])
def test_unplaceable_plans_name_the_field(over, field):
    with pytest.raises(ConfigError, match=field):
        check_placement(_cfg(*over), EIGHT)


def test_colocated_tensor_parallel_engine_is_per_process():
    with pytest.raises(ConfigError, match=r"^rollout\.tensor_parallel_size: a colocated engine is per training rank"):
        _cfg("rollout.tensor_parallel_size=2", "mixed.num_workers=2", "resources.mixed.num_gpus=2")
    _cfg("rollout.tensor_parallel_size=2", "rollout.vllm_mode=server", "rollout.engine_num_gpus=2",
         "mixed.num_workers=2", "distill.workers=4")  # one served TP engine for both ranks: fine


def test_validate_checks_the_declared_cluster():
    with pytest.raises(ConfigError, match=r"^sft\.num_workers"):
        _cfg("sft.num_workers=16")  # ray.cluster in the example: load_config runs the placement check
    _cfg("sft.num_workers=16", "ray.cluster=null")  # no declared cluster: checked at run time instead


def test_cpu_run_without_gpus_cannot_ask_for_them():
    with pytest.raises(ConfigError, match=r"^resources\.expert: stage expert:math needs 1 GPUs"):
        check_placement(_cfg("ray.cluster=null"), {"CPU": 64})
