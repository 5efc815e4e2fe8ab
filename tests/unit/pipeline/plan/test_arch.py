"""The memory plan's model shape: parameter counts from config.json (shipped table and real models), sources."""
from __future__ import annotations

import json

import pytest

from pipeline.errors import ConfigError
from pipeline.plan.arch import arch_from_config, load_arch
from pipeline.plan.known import KNOWN, known_config

# Published parameter counts (model cards), billions.
PUBLISHED = {"qwen/qwen2.5-0.5b": 0.49, "qwen/qwen2.5-1.5b": 1.54, "qwen/qwen2.5-7b": 7.61, "qwen/qwen2.5-72b": 72.7,
             "meta-llama/llama-3.1-8b": 8.03, "meta-llama/llama-3.1-70b": 70.6, "qwen/qwen3-8b": 8.2,
             "qwen/qwen3-30b-a3b": 30.5, "qwen/qwen3-235b-a22b": 235.0, "mistralai/mixtral-8x7b-v0.1": 46.7,
             "huggingfacetb/smollm2-135m": 0.135}


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_shipped_table_matches_published_sizes(key):
    params = arch_from_config(KNOWN[key], key).params / 1e9
    assert params == pytest.approx(PUBLISHED[key], rel=0.02)


@pytest.mark.parametrize("tied", [False, True])
def test_param_count_equals_the_real_model(tmp_path, tied):
    """From config.json alone, the same count as the instantiated model (untied and tied heads)."""
    import torch
    from transformers import AutoModelForCausalLM

    from tests.tiny_model import build_tiny_model

    path = build_tiny_model(tmp_path / "m", tied=tied, hidden=64, layers=3)
    arch = load_arch(str(path))
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    assert arch.params == sum(p.numel() for p in model.parameters())
    assert arch.source.endswith("config.json") and arch.tied is tied


def test_qwen2_bias_and_moe_shapes():
    qwen = arch_from_config(KNOWN["qwen/qwen2.5-7b"], "t")
    assert qwen.qkv_bias and not qwen.tied and qwen.head_dim == 128
    moe = arch_from_config(KNOWN["qwen/qwen3-30b-a3b"], "t")
    assert moe.experts == 128 and moe.experts_per_token == 8 and moe.expert_intermediate == 768


def test_sources_in_order(tmp_path):
    cfg = {**KNOWN["qwen/qwen2.5-0.5b"], "num_hidden_layers": 3}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    assert load_arch("Qwen/Qwen2.5-0.5B-Instruct", str(tmp_path)).layers == 3  # plan.model_config first
    table = load_arch("Qwen/Qwen2.5-0.5B-Instruct")
    assert table.layers == 24 and "shipped table" in table.source
    assert known_config("QWEN/Qwen2.5-0.5B-Instruct")[0] == "qwen/qwen2.5-0.5b"
    with pytest.raises(ConfigError, match=r"^plan\.model_config: no config\.json for 'org/nothing'"):
        load_arch("org/nothing")
    with pytest.raises(ConfigError, match=r"^plan\.model_config: .*neither"):
        load_arch("org/nothing", str(tmp_path / "missing.json"))
    (tmp_path / "bad.json").write_text(json.dumps({"hidden_size": 8}))
    with pytest.raises(ConfigError, match=r"^plan\.model_config: .*lacks"):
        load_arch("org/nothing", str(tmp_path / "bad.json"))
