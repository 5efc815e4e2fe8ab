"""iter_policy_weights on one process: names and values equal the (merged) state dict, wrappers stripped.

The sharded (FSDP2, 2 gloo ranks) counterpart is tests/integration/test_fsdp2_weights.py.
"""
from __future__ import annotations

import copy

import pytest


def _lora(model, seed: int = 0):
    import torch
    from peft import LoraConfig, get_peft_model

    peft = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "gate_proj"],
                                            lora_dropout=0.0))
    torch.manual_seed(seed)
    for name, p in peft.named_parameters():
        if "lora_B" in name:  # PEFT starts B at zero: give the adapter a real delta to merge
            torch.nn.init.normal_(p, std=0.5)
    return peft


def _load(path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path)


def test_hf_name_strips_wrappers():
    from pipeline.train.weights import hf_name

    assert hf_name("module.model.layers.0._checkpoint_wrapped_module.self_attn.q_proj.weight") == \
        "model.layers.0.self_attn.q_proj.weight"
    assert hf_name("base_model.model.model.layers.1.mlp.gate_proj.base_layer.weight") == \
        "model.layers.1.mlp.gate_proj.weight"
    assert hf_name("_orig_mod.lm_head.weight") == "lm_head.weight"
    assert hf_name("model.embed_tokens.module.weight") == "model.embed_tokens.module.weight"  # only leading


@pytest.mark.parametrize("tied", [False, True])
def test_stream_equals_state_dict(tmp_path, tiny_model, tied):
    import torch

    from pipeline.train.weights import iter_policy_weights
    from tests.tiny_model import build_tiny_model

    path = build_tiny_model(tmp_path / "tied", tied=True) if tied else tiny_model
    model = _load(path)
    want = model.state_dict()
    got = list(iter_policy_weights(model))
    assert [n for n, _ in got] == list(want)  # same names, same order (tied head under both names)
    for name, t in got:
        assert torch.equal(t, want[name]), name


def test_lora_stream_equals_merge_and_unload(tiny_model):
    import torch

    from pipeline.train.weights import iter_policy_weights, policy_state_dict

    peft = _lora(_load(tiny_model))
    before = {k: v.clone() for k, v in peft.state_dict().items()}
    got = dict(iter_policy_weights(peft))
    want = copy.deepcopy(peft).merge_and_unload().state_dict()
    assert list(got) == list(want)
    assert not any("lora_" in n for n in got)
    for name, t in got.items():
        torch.testing.assert_close(t, want[name], rtol=1e-5, atol=1e-5, msg=name)
    base = _load(tiny_model).state_dict()
    changed = [n for n in got if not torch.equal(got[n], base[n])]
    assert len(changed) == 3 * 2, changed  # q, v, gate merged in both layers: the adapter really moved them
    after = peft.state_dict()  # the module itself was never merged in place
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert list(policy_state_dict(peft)) == list(want)


def test_checkpoint_wrapper_prefix_stripped(tiny_model):
    import torch
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import apply_activation_checkpointing

    from pipeline.train.weights import iter_policy_weights

    model = _load(tiny_model)
    want = {k: v.clone() for k, v in model.state_dict().items()}
    layer_cls = type(model.model.layers[0])
    apply_activation_checkpointing(model, check_fn=lambda m: isinstance(m, layer_cls))
    assert any("_checkpoint_wrapped_module" in n for n, _ in model.named_parameters())
    got = dict(iter_policy_weights(model))
    assert list(got) == list(want)
    assert all(torch.equal(got[k], want[k]) for k in want)


def test_changed_only_streams_the_merged_lora_layers_alone(tiny_model):
    import torch

    from pipeline.train.weights import iter_policy_weights

    peft = _lora(_load(tiny_model))
    full = dict(iter_policy_weights(peft))
    changed = dict(iter_policy_weights(peft, changed_only=True))
    assert sorted(changed) == sorted(f"model.layers.{i}.{m}.weight" for i in range(2)
                                     for m in ("self_attn.q_proj", "self_attn.v_proj", "mlp.gate_proj"))
    assert all(torch.equal(changed[k], full[k]) for k in changed)
    plain = _load(tiny_model)  # full fine-tuning: every parameter can change
    assert sorted(iter_name for iter_name, _ in iter_policy_weights(plain, changed_only=True)) == \
        sorted(n for n, _ in plain.named_parameters())


def test_stream_gathers_one_parameter_at_a_time(tiny_model, monkeypatch):
    """Lazy: taking the first weight gathers one tensor (and LoRA layers only their own A/B), never the whole model."""
    import pipeline.train.weights as weights

    calls = []
    real = weights.full_tensor
    monkeypatch.setattr(weights, "full_tensor", lambda t: calls.append(t.shape) or real(t))
    stream = weights.iter_policy_weights(_lora(_load(tiny_model)))
    next(stream)  # the embedding
    assert len(calls) == 1
    for name, _ in stream:
        if name.endswith("q_proj.weight"):
            break
    before_q = len(calls)
    next(stream)  # k_proj: a plain layer, one gather
    assert len(calls) == before_q + 1
