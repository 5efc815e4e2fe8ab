"""On a GPU (issue 25): the real vLLM sleep-mode cycle of a colocated engine, and tensor parallelism.

    pytest -m gpu tests/gpu/test_rollout_scale_gpu.py     # scripts/gpu_check.sh runs it after bench.gpu_check

The decision and the call order are unit-tested on CPU (tests/unit/pipeline/rollout/test_rollout_sleep.py);
here vLLM itself sleeps and wakes: the GPU memory comes back while it sleeps, a weight sync after waking the
weights takes effect (the probe check), and it generates again after waking the KV cache.
"""
from __future__ import annotations

import pytest

from pipeline.rollout import SamplingConfig

pytestmark = pytest.mark.gpu


def _free_gb() -> float:
    import torch

    torch.cuda.synchronize()
    return torch.cuda.mem_get_info()[0] / 2**30


def test_sleep_mode_cycle_frees_memory_and_syncs(tiny_model, tiny_model_b):
    from transformers import AutoModelForCausalLM

    from pipeline.rollout.probe import mean_gap, probe_ids, sequence_logprobs
    from pipeline.rollout.vllm_backend import VLLMEngine
    from pipeline.train.weights import iter_policy_weights

    engine = VLLMEngine(str(tiny_model), max_model_len=512, gpu_memory_utilization=0.3, sleep_mode="on", dtype="float32")
    try:
        assert engine.sleep is not None
        engine.arm_sleep()  # what EngineRollout does on a trainer's first rollout
        awake = _free_gb()
        out = engine.generate(["What is 2+3?"], SamplingConfig(n=2, max_tokens=8))
        assert engine.sleep.asleep == {"weights", "kv_cache"} and len(out[0].samples) == 2
        assert _free_gb() > awake + 1.0  # the KV cache (most of the 0.3 share) went back to the trainer
        model_b = AutoModelForCausalLM.from_pretrained(tiny_model_b)
        engine.sync_weights(iter_policy_weights(model_b))  # wakes the weights first
        assert engine.sleep.asleep == {"kv_cache"}
        seqs = probe_ids(engine.tokenizer)
        assert mean_gap(engine.score_ids(seqs), sequence_logprobs(model_b, seqs)) < 1e-3  # wakes the KV cache
        assert engine.sleep.asleep == {"weights", "kv_cache"}
    finally:
        engine.close()


def test_tensor_parallel_engine_on_two_gpus(tiny_model):
    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("needs 2 GPUs")
    from pipeline.rollout.vllm_backend import VLLMEngine

    engine = VLLMEngine(str(tiny_model), max_model_len=512, gpu_memory_utilization=0.3, tensor_parallel_size=2)
    try:
        out = engine.generate(["What is 2+3?"], SamplingConfig(n=2, max_tokens=8))
        assert all(s.token_ids for s in out[0].samples)
    finally:
        engine.close()
