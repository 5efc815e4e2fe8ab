"""training.max_tokens_per_micro_batch: the split a token budget gives (pipeline/config/batching.py), its config
errors, and that it is the same update: one real GRPO step (TRL's GRPOTrainer with the V3.2 loss, the GRPOConfig
our grpo_args builds) on the tiny Llama with one micro-batch of 8 completions and with four of 2 moves every weight
the same way (SGD, so the step is the gradient itself)."""
from __future__ import annotations

import pytest

from pipeline.config import parse_config
from pipeline.config.batching import MicroBatches, micro_batches, rl_micro_batches, rl_sequence_tokens
from pipeline.errors import ConfigError


def test_the_fewest_micro_batches_that_divide_the_step_and_fit_the_budget():
    assert rl_micro_batches(16, 8, 4096, 32768) == MicroBatches(size=8, accumulation=16)
    assert rl_micro_batches(16, 8, 4096, None, accumulation=32) == MicroBatches(size=4, accumulation=32)
    assert rl_micro_batches(4, 2, 100, 800) == MicroBatches(size=8, accumulation=1)  # everything fits in one pass
    assert rl_micro_batches(4, 2, 100, 799) == MicroBatches(size=4, accumulation=2)  # 8 -> 4 (divides 8)
    assert rl_micro_batches(3, 1, 10, 25) == MicroBatches(size=1, accumulation=3)  # 2 fits but does not divide 3
    assert rl_micro_batches(4, 2, 100, 800, accumulation=4) == MicroBatches(size=2, accumulation=4)  # never fewer
    assert micro_batches(8 * 4, 4096, 32768, 2, "sft.grad_accum") == MicroBatches(size=8, accumulation=4)
    with pytest.raises(ConfigError, match=r"^training\.max_tokens_per_micro_batch: 100 tokens cannot hold one "
                                          r"sequence of up to 500 tokens .* raise it to at least 500"):
        rl_micro_batches(4, 2, 500, 100)


def test_budget_is_checked_when_the_config_loads():
    math_seq = rl_sequence_tokens(["math"], 128)  # the math spec's max_prompt_len + max_tokens
    assert math_seq == 256
    expert = {"domains": ["math"], "stages": ["expert"], "experts": {"math": {"mode": "non_thinking"}}}
    ok = parse_config({**expert, "training": {"max_tokens_per_micro_batch": 256}})
    assert ok.training.max_tokens_per_micro_batch == 256
    with pytest.raises(ConfigError, match=r"^training\.max_tokens_per_micro_batch: 255 tokens .* up to 256 tokens"):
        parse_config({**expert, "training": {"max_tokens_per_micro_batch": 255}})
    both = {**expert, "experts": {"math": {}}}  # the math spec trains both modes: thinking rows get 2 x 128 tokens
    with pytest.raises(ConfigError, match=r"^training\.max_tokens_per_micro_batch: 256 tokens .* up to 384 tokens"):
        parse_config({**both, "training": {"max_tokens_per_micro_batch": 256}})
    assert parse_config({**both, "training": {"max_tokens_per_micro_batch": 384}})
    sft = {"domains": ["math"], "stages": ["sft"], "sft": {"max_length": 512}}  # sft rows are max_length long
    with pytest.raises(ConfigError, match=r"^training\.max_tokens_per_micro_batch: 300 tokens .* up to 512 tokens "
                                          r".*\(sft\.max_length\)"):
        parse_config({**sft, "training": {"max_tokens_per_micro_batch": 300}})
    assert parse_config({**sft, "stages": ["eval"], "training": {"max_tokens_per_micro_batch": 300}})  # sft not run
    with pytest.raises(ConfigError, match=r"^training\.max_tokens_per_micro_batch: Input should be greater than 0"):
        parse_config({"domains": ["math"], "training": {"max_tokens_per_micro_batch": 0}})


def _job(tmp_path, model, accumulation=1):
    from bench.scale_train import micro_batch_job

    return micro_batch_job(str(model), tmp_path, accumulation)


def test_budget_reaches_the_grpo_and_sft_configs(tiny_model, tmp_path):
    from pipeline.stages.sft import sft_args
    from pipeline.train.grpo import grpo_args

    seq = rl_sequence_tokens(["math"], 8)
    cfg = parse_config({"domains": ["math"], "stages": ["expert"], "logging": {"report_to": []},
                        "training": {"max_tokens_per_micro_batch": 2 * seq + 1}})
    args = grpo_args(cfg, _job(tmp_path, tiny_model))
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps) == (2, 4)
    assert args.generation_batch_size == 8  # still one generation of the whole step
    plain = grpo_args(parse_config({"domains": ["math"], "logging": {"report_to": []}}), _job(tmp_path, tiny_model, 2))
    assert (plain.per_device_train_batch_size, plain.gradient_accumulation_steps) == (4, 2)
    spec = {"sft": cfg.sft.model_dump() | {"batch_size": 4, "grad_accum": 2, "max_length": 100}, "seed": 0,
            "out_dir": str(tmp_path), "report_to": [], "trust_remote_code": False,
            "training": cfg.training.model_dump() | {"max_tokens_per_micro_batch": 300}}
    sft = sft_args(spec)
    assert (sft.per_device_train_batch_size, sft.gradient_accumulation_steps) == (2, 4)


def test_four_micro_batches_make_the_same_update_as_one(tiny_model, tmp_path):
    import torch

    from bench.scale_train import grpo_step_update, micro_batch_configs

    one, four = micro_batch_configs(seed=3)  # no budget / a budget of two rows per micro-batch
    args1, seen1, d1 = grpo_step_update(one, _job(tmp_path / "one", tiny_model))
    args4, seen4, d4 = grpo_step_update(four, _job(tmp_path / "four", tiny_model))
    assert (args1.per_device_train_batch_size, args1.gradient_accumulation_steps) == (8, 1)
    assert (args4.per_device_train_batch_size, args4.gradient_accumulation_steps) == (2, 4)
    assert len(seen1) == len(seen4) == 1  # one generation per step in both: the same 8 completions
    assert torch.equal(seen1[0]["completion_ids"], seen4[0]["completion_ids"])
    assert torch.equal(seen1[0]["advantages"], seen4[0]["advantages"]) and seen1[0]["advantages"].abs().sum() > 0
    total = sum(d.abs().sum() for d in d1.values())
    assert total > 1e-3  # the step moved the weights
    for name in d1:
        assert torch.allclose(d1[name], d4[name], atol=1e-6, rtol=1e-4), name
