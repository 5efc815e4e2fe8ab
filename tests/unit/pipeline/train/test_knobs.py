"""Training knobs reach TRL and the model: dtype, attention kernel, gradient checkpointing, SFT packing,
per-stage initial model and resuming from an explicit checkpoint (real TRL trainers on the tiny Llama)."""
from __future__ import annotations

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.rollout.templates import SYSTEM_PROMPTS

ROWS = [{"prompt": [{"role": "system", "content": SYSTEM_PROMPTS["non_thinking"]},
                    {"role": "user", "content": f"What is {i} + 1?"}],
         "completion": [{"role": "assistant", "content": f"The answer is \\boxed{{{i + 1}}}."}]} for i in range(8)]


def _cfg(tiny_model, out, **data):
    return parse_config({"model": str(tiny_model), "output_dir": str(out), "domains": ["math"],
                         "logging": {"report_to": []}, **data})


def _spec(cfg, tmp_path, name="sft"):
    from datasets import Dataset

    from pipeline.stages.sft import train_spec

    data = tmp_path / f"{name}.parquet"
    Dataset.from_list(ROWS).to_parquet(str(data))
    return train_spec(cfg, data, tmp_path / name)


def test_grpo_config_takes_precision_and_checkpointing(tiny_model, tmp_path):
    from pipeline.train.grpo import RLJob, grpo_args
    from pipeline.train.knobs import model_init_kwargs

    job = RLJob(model=str(tiny_model), rows=[], out_dir=tmp_path, steps=1, group_size=2, prompts_per_step=1,
                learning_rate=1e-5, max_tokens=8, beta=0.0)
    args = grpo_args(_cfg(tiny_model, tmp_path, training={"dtype": "bf16", "gradient_checkpointing": True}), job)
    assert args.bf16 and not args.fp16 and args.gradient_checkpointing
    assert args.gradient_checkpointing_kwargs == {"use_reentrant": False}
    args = grpo_args(_cfg(tiny_model, tmp_path), job)  # auto on CPU = fp32, no checkpointing
    assert not args.bf16 and not args.fp16 and not args.gradient_checkpointing
    with pytest.raises(ConfigError, match=r"training\.dtype: fp16 mixed precision needs a CUDA GPU"):
        grpo_args(_cfg(tiny_model, tmp_path, training={"dtype": "fp16"}), job)
    import torch

    kw = model_init_kwargs({"dtype": "bf16", "attn_implementation": "sdpa"}, True, cuda=False)
    assert kw == {"dtype": torch.float32, "attn_implementation": "sdpa", "trust_remote_code": True}  # fp32 master
    assert model_init_kwargs({"dtype": "auto"}, False, cuda=True)["dtype"] == torch.float32  # bf16 autocast on CUDA


def test_pure_bf16_is_an_explicit_opt_in_that_warns(tiny_model, tmp_path, caplog):
    import torch

    from pipeline.train.knobs import model_init_kwargs

    assert _cfg(tiny_model, tmp_path).training.pure_bf16 is False
    with caplog.at_level("WARNING", logger="pipeline.train.knobs"):
        assert model_init_kwargs({"dtype": "bf16", "pure_bf16": True}, False, cuda=False)["dtype"] == torch.bfloat16
    assert "no fp32 master copy" in caplog.text
    with pytest.raises(ConfigError, match=r"training\.pure_bf16: needs bf16 training, but training\.dtype resolves to fp32"):
        model_init_kwargs({"dtype": "auto", "pure_bf16": True}, False, cuda=False)  # auto on CPU = fp32
    with pytest.raises(ConfigError, match=r"^training: .*pure_bf16 .* needs dtype bf16, not fp32"):
        _cfg(tiny_model, tmp_path, training={"dtype": "fp32", "pure_bf16": True})


def test_sft_trainer_model_gets_dtype_attention_checkpointing_and_packing(tiny_model, tmp_path):
    import torch

    from pipeline.stages.sft import build_trainer

    cfg = _cfg(tiny_model, tmp_path, training={"dtype": "bf16", "attn_implementation": "eager",
                                               "gradient_checkpointing": True},
               sft={"packing": True, "max_length": 256, "batch_size": 2})
    trainer = build_trainer(_spec(cfg, tmp_path))
    model = trainer.model
    assert model.dtype == torch.float32 and model.config._attn_implementation == "eager"  # fp32 master, bf16 autocast
    assert trainer.args.gradient_checkpointing and trainer.args.bf16 and trainer.args.packing
    assert len(trainer.train_dataset) < len(ROWS) and "seq_lengths" in trainer.train_dataset.column_names  # packed
    trainer.args.max_steps = 1
    trainer.train()  # the Trainer switches checkpointing on when training starts; one bf16 step on packed rows
    assert model.is_gradient_checkpointing and trainer.state.global_step == 1
    plain = build_trainer(_spec(_cfg(tiny_model, tmp_path), tmp_path, "plain"))
    assert plain.model.dtype == torch.float32 and not plain.model.is_gradient_checkpointing
    assert len(plain.train_dataset) == len(ROWS)


def test_sft_resumes_from_an_explicit_checkpoint_and_starts_from_init_model(tiny_model, tiny_model_b, tmp_path):
    from pipeline.stages.sft import train_sft

    first = train_sft(_spec(_cfg(tiny_model, tmp_path, sft={"batch_size": 4, "save_steps": 1}), tmp_path, "first"))
    ckpt = tmp_path / "first" / "trainer" / "checkpoint-2"
    assert first["metrics"]["global_step"] == 2 and (ckpt / "trainer_state.json").is_file()
    cfg = _cfg(tiny_model, tmp_path, sft={"batch_size": 4, "epochs": 2, "resume_from": str(ckpt)})
    second = train_sft(_spec(cfg, tmp_path, "second"))
    assert second["metrics"]["resumed_from"] == "checkpoint-2" and second["metrics"]["global_step"] == 4
    spec = _spec(_cfg(tiny_model, tmp_path, sft={"init_model": str(tiny_model_b)}), tmp_path, "third")
    assert spec["model"] == str(tiny_model_b)


def test_mixed_and_expert_start_from_init_model(tiny_model, tiny_model_b, tmp_path):
    from pipeline.stages.expert_rl import expert_settings
    from pipeline.stages.mixed_rl import start_model

    cfg = _cfg(tiny_model, tmp_path, mixed={"init_model": str(tiny_model_b)},
               experts={"math": {"init_model": str(tiny_model_b), "resume_from": None}})
    assert start_model(cfg, tmp_path) == str(tiny_model_b)
    assert start_model(_cfg(tiny_model, tmp_path), tmp_path) == str(tiny_model)  # no sft stage: the base model
    assert expert_settings(cfg, "math")["init_model"] == str(tiny_model_b)
