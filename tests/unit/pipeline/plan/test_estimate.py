"""The estimator's formulas: model states per parameter, LoRA sizes against PEFT, activations and logits scaling."""
from __future__ import annotations

import pytest

from pipeline.plan.arch import arch_from_config
from pipeline.plan.estimate import Lora, TrainShape, activations, logits, model_states, train_worker
from pipeline.plan.known import KNOWN

QWEN7 = arch_from_config(KNOWN["qwen/qwen2.5-7b"], "t")


def test_full_finetuning_is_16_bytes_per_param_sharded():
    for world in (1, 8):
        s = model_states(QWEN7, TrainShape(seqs=1, seq_len=1, logit_tokens=1, world=world))
        assert s["weights"] + s["grads"] + s["optimizer"] == pytest.approx(16 * QWEN7.params / world)


def test_lora_trainable_params_equal_peft(tiny_model):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from pipeline.plan.arch import load_arch

    targets = ("q_proj", "v_proj", "down_proj")
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model), LoraConfig(r=4, target_modules=list(targets)))
    assert Lora(4, targets).trainable(load_arch(str(tiny_model))) == model.get_nb_trainable_parameters()[0]


def test_lora_states_are_frozen_weights_plus_16_bytes_per_adapter_param():
    lora = Lora(16, ("q_proj", "k_proj", "v_proj", "o_proj"))
    s = model_states(QWEN7, TrainShape(seqs=1, seq_len=1, logit_tokens=1, lora=lora))
    t = lora.trainable(QWEN7)
    assert s["weights"] + s["grads"] + s["optimizer"] == pytest.approx(4 * QWEN7.params + 16 * t)
    assert s["reference"] == 0  # LoRA's reference is the base with the adapter off


def test_activations_and_logits_scale_with_the_micro_batch():
    a = TrainShape(seqs=4, seq_len=1024, logit_tokens=512, autocast=True)
    b = TrainShape(seqs=8, seq_len=1024, logit_tokens=512, autocast=True)
    assert activations(QWEN7, b) == pytest.approx(2 * activations(QWEN7, a))
    assert logits(QWEN7, b) > 1.8 * logits(QWEN7, a)  # plus one fp32 log-softmax chunk, fixed
    ckpt = TrainShape(seqs=8, seq_len=1024, logit_tokens=512, autocast=True, checkpointing=True)
    assert activations(QWEN7, ckpt) < activations(QWEN7, b) / 5
    # the example: 128 completions x 2048 tokens at Qwen's vocabulary: ~80 GB of bf16 logits per copy
    big = TrainShape(seqs=128, seq_len=2304, logit_tokens=2048, autocast=True)
    assert logits(QWEN7, big) / 3 == pytest.approx(128 * 2048 * 152064 * 2, rel=0.01)


def test_sleep_mode_frees_the_engine_for_the_training_phase():
    s = TrainShape(seqs=8, seq_len=2048, logit_tokens=1024, autocast=True, checkpointing=True)
    awake = train_worker(QWEN7, s, engine=20 * 2**30, engine_sleeps=False, judge=0.0, overhead=0.0)
    asleep = train_worker(QWEN7, s, engine=20 * 2**30, engine_sleeps=True, judge=0.0, overhead=0.0)
    assert awake.peak - asleep.peak == pytest.approx(20 * 2**30, rel=0.05) or asleep.phase == "generation"
    assert awake.peak > asleep.peak


@pytest.mark.parametrize("key", ["qwen/qwen2.5-7b", "meta-llama/llama-3.1-70b", "mistralai/mixtral-8x7b-v0.1"])
def test_model_states_agree_with_deepspeed_zero3(key):
    """DeepSpeed's estimate_zero3_model_states_mem_needs (no offload), re-derived: 4 B x the largest module's
    parameters + 18 B/param / GPUs. Ours (16 B/param sharded + bf16 copies + gathered units) is within 30%."""
    a = arch_from_config(KNOWN[key], key)
    largest = max([a.vocab * a.hidden] + [i * o for i, o in a.linear_shapes().values()])
    for gpus in (1, 8):
        ours = sum(model_states(a, TrainShape(seqs=1, seq_len=1, logit_tokens=1, autocast=True, world=gpus)).values())
        assert ours / (4 * largest + 18 * a.params / gpus) == pytest.approx(1.0, abs=0.3)
