"""training.fsdp -> TrainingArguments fsdp/fsdp_config (version 2), and its refusals (pipeline/train/fsdp.py)."""
from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.errors import ConfigError
from pipeline.train.fsdp import fsdp_args


def _training(**fsdp):
    return PipelineConfig(training={"fsdp": fsdp}).training.model_dump()


def test_disabled_adds_nothing():
    assert fsdp_args(_training(), cuda=True) == {}
    assert fsdp_args(_training(), cuda=False) == {}


def test_enabled_maps_to_fsdp2_config():
    out = fsdp_args(_training(enabled=True, reshard_after_forward=False, cpu_offload=True, activation_checkpointing=True,
                              transformer_layer_cls_to_wrap=["Qwen2DecoderLayer"]), cuda=True)
    assert out["fsdp"] is True
    assert out["fsdp_config"] == {"version": 2, "reshard_after_forward": False, "cpu_offload": True,
                                  "activation_checkpointing": True, "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
                                  "state_dict_type": "FULL_STATE_DICT",
                                  "transformer_layer_cls_to_wrap": ["Qwen2DecoderLayer"]}


def test_transformers_accepts_the_mapping():
    """TrainingArguments parses our fsdp_config into an FSDP2 plugin config (no distributed run needed)."""
    from transformers import TrainingArguments

    out = fsdp_args(_training(enabled=True, activation_checkpointing=True), cuda=True)
    args = TrainingArguments(output_dir="/tmp/unused", use_cpu=True, **out)
    assert args.fsdp_config["version"] == 2 and args.fsdp_config["activation_checkpointing"] is True


def test_refused_on_cpu_naming_the_field():
    with pytest.raises(ConfigError, match=r"^training\.fsdp\.enabled: .*no GPU") as e:
        fsdp_args(_training(enabled=True), cuda=False)
    assert "\n" not in str(e.value)


def test_refused_with_gradient_checkpointing():
    t = PipelineConfig(training={"gradient_checkpointing": True, "fsdp": {"enabled": True}}).training.model_dump()
    with pytest.raises(ConfigError, match=r"^training\.gradient_checkpointing: .*activation_checkpointing"):
        fsdp_args(t, cuda=True)


def test_unknown_or_bad_keys_are_one_line_config_errors():
    from pipeline.config.load import parse_config

    with pytest.raises(ConfigError, match=r"training\.fsdp\.shard") as e:
        parse_config({"training": {"fsdp": {"enabled": True, "shard": "full"}}})
    assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match=r"training\.fsdp\.transformer_layer_cls_to_wrap"):
        parse_config({"training": {"fsdp": {"transformer_layer_cls_to_wrap": []}}})
