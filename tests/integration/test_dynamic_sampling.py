"""Dynamic sampling and prompts_per_step on the tiny Llama with a real vLLM engine, the real reward
router and TRL's GRPOTrainer.

Rewards are real built-in ones chosen so the outcome is known: math rows get ``length_penalty``
over characters with a long ramp (every completion length scores differently: groups have
variance), logic rows get ``length_penalty`` with a limit no completion reaches (always 0: every
logic group has zero variance). Dynamic sampling must drop the logic groups and refill the batch.

    timeout 900 .venv/bin/python -m pytest -q tests/integration/test_dynamic_sampling.py -p no:cacheprovider
"""
from __future__ import annotations

import json

import pytest

from pipeline.config import DynamicSamplingConfig, parse_config

VARIES = [{"name": "length_penalty", "weight": 1.0, "params": {"max_len": 400, "buffer": 399, "unit": "chars"}}]
FLAT = [{"name": "length_penalty", "weight": 1.0, "params": {"max_len": 100000, "buffer": 10, "unit": "chars"}}]


def _cfg(tiny_model, tmp_path):
    return parse_config({"model": str(tiny_model), "seed": 0, "output_dir": str(tmp_path), "domains": ["math", "logic"],
                         "rollout": {"backend": "vllm", "max_tokens": 12, "max_model_len": 512},
                         "rewards": {"math": VARIES, "logic": FLAT}, "logging": {"report_to": []}})


def _job(cfg, tmp_path, n_math, n_logic, **kw):
    from pipeline.data import load_split
    from pipeline.train.grpo import RLJob, with_modes

    rows = load_split(cfg, "math", "train", n_math) + load_split(cfg, "logic", "train", n_logic)
    base = dict(model=cfg.model, rows=with_modes(rows, "non_thinking", 0), out_dir=tmp_path / "job", steps=2,
                group_size=4, prompts_per_step=2, learning_rate=1e-4, max_tokens=12, beta=0.0, save_steps=100)
    base.update(kw)
    return RLJob(**base)


def _trainer(cfg, job, engine):
    from pipeline.scoring.reward_factory import build_router
    from pipeline.train.grpo import build_trainer

    router = build_router(cfg, domains=["math", "logic"])
    return build_trainer(cfg, job, router, engine), router


def test_zero_variance_groups_are_dropped_and_refilled(tiny_model, tmp_path, vllm_engine):
    from pipeline.train.dynamic_sampling import has_variance

    cfg = _cfg(tiny_model, tmp_path)
    job = _job(cfg, tmp_path, 6, 6, dynamic_sampling=DynamicSamplingConfig(max_extra_batches=4))
    trainer, router = _trainer(cfg, job, vllm_engine)
    try:
        sampler = trainer.posttrain_sampler
        ds = trainer.train_dataset
        logic = next(ds[i] for i in range(len(ds)) if ds[i]["domain"] == "logic")
        math = next(ds[i] for i in range(len(ds)) if ds[i]["domain"] == "math")
        groups = sampler.refill([logic, math])  # the real refill path: engine generation + router rewards
        assert len(groups) == 2 and all(len(g.tracks) == 4 for g in groups)
        assert all(g.domain == "math" and has_variance(g.rewards) for g in groups)
        assert all(r is not None and -1.0 <= r < 0.0 for g in groups for r in g.rewards)  # real length penalties
        assert logic["prompt"] not in [g.row["prompt"] for g in groups]
        last = sampler.counts
        assert last["logic/filtered"] == 1.0 and last["math/filtered"] == 0.0 and last["unfilled"] == 0.0
        assert last["extra_groups"] >= 1 and 0 < last["filtered"] < 1

        trainer.train()  # two steps through TRL with the hook installed
        log = [json.loads(x) for x in (job.out_dir / "train_log.jsonl").read_text().splitlines()]
        steps = [r for r in log if "reward" in r]
        assert [r["step"] for r in steps] == [1, 2]
        assert all(r["frac_reward_zero_std"] == 0.0 for r in steps)  # TRL trained on groups with variance only
        assert all("dynamic_sampling/filtered" in r and "dynamic_sampling/math/filtered" in r for r in steps)
        assert trainer.posttrain_rollout.completions == 2 * 2 * 4  # TRL got exactly the batch it expects
    finally:
        router.close()


def test_without_dynamic_sampling_zero_variance_groups_train(tiny_model, tmp_path, vllm_engine):
    cfg = _cfg(tiny_model, tmp_path)
    job = _job(cfg, tmp_path, 1, 6, prompts_per_step=2, dynamic_sampling=DynamicSamplingConfig(enabled=False))
    job.rows = [r for r in job.rows if r["domain"] == "logic"]  # logic only: every group is flat
    trainer, router = _trainer(cfg, job, vllm_engine)
    try:
        assert not hasattr(trainer, "posttrain_sampler")
        trainer.train()
        steps = [json.loads(x) for x in (job.out_dir / "train_log.jsonl").read_text().splitlines()]
        assert all(r["frac_reward_zero_std"] == 1.0 for r in steps if "reward" in r)
    finally:
        router.close()


@pytest.mark.parametrize("prompts_per_step, accumulation", [(1, 1), (3, 1), (2, 2)])
def test_prompts_per_step_sets_the_batch(tiny_model, tmp_path, vllm_engine, prompts_per_step, accumulation):
    """Each optimizer step generates and trains on prompts_per_step groups (split into micro-batches)."""
    cfg = _cfg(tiny_model, tmp_path)
    job = _job(cfg, tmp_path, 8, 0, steps=2, prompts_per_step=prompts_per_step, gradient_accumulation_steps=accumulation,
               dynamic_sampling=None)
    trainer, router = _trainer(cfg, job, vllm_engine)
    seen: list[list] = []
    inner = trainer.rollout_func

    def counting(prompts, tr):
        seen.append(list(prompts))
        return inner(prompts, tr)

    trainer.rollout_func = counting
    try:
        trainer.train()
        assert trainer.state.global_step == 2
        assert [len(p) for p in seen] == [4 * prompts_per_step] * 2  # one generation per step, group 4 each
        assert [len({json.dumps(x) for x in p}) for p in seen] == [prompts_per_step] * 2  # distinct prompts
        assert trainer.args.per_device_train_batch_size * accumulation == 4 * prompts_per_step
    finally:
        router.close()
