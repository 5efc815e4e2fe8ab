"""Asynchronous GRPO (grpo.async) on the tiny Llama with a real vLLM engine, the real reward router and TRL:
the engine generates step t+1 while the trainer trains step t, every batch carries the version that generated
it, none is older than max_staleness, rewards scored on the worker are claimed by TRL, and dynamic sampling's
refill runs on the worker. The kill -9 resume test is tests/integration/test_async_resume.py.

    timeout 900 .venv/bin/python -m pytest -q tests/integration/test_async_grpo.py -p no:cacheprovider
"""
from __future__ import annotations

import json

import pytest

from pipeline.config import DynamicSamplingConfig, parse_config

VARIES = [{"name": "length_penalty", "weight": 1.0, "params": {"max_len": 400, "buffer": 399, "unit": "chars"}}]


@pytest.fixture
def engine(vllm_engine, tiny_model):
    """The session's shared engine, given the starting weights back afterwards (training pushed its own)."""
    from safetensors.torch import load_file

    yield vllm_engine
    vllm_engine.sync_weights(load_file(str(next(tiny_model.glob("*.safetensors")))))


def _cfg(tiny_model, tmp_path, k):
    return parse_config({"model": str(tiny_model), "seed": 0, "output_dir": str(tmp_path), "domains": ["math"],
                         "rollout": {"backend": "vllm", "max_tokens": 12, "max_model_len": 512},
                         "grpo": {"async": {"enabled": True, "max_staleness": k}},
                         "rewards": {"math": VARIES}, "logging": {"report_to": []}})


def _train(cfg, tmp_path, engine, steps, bound=None, **kw):
    from pipeline.data import load_split
    from pipeline.scoring.reward_factory import build_router
    from pipeline.train.grpo import RLJob, build_trainer, with_modes

    rows = with_modes(load_split(cfg, "math", "train", 16), "non_thinking", 0)
    job = RLJob(model=cfg.model, rows=rows, out_dir=tmp_path / "job", steps=steps, group_size=4, prompts_per_step=2,
                learning_rate=1e-4, max_tokens=12, beta=0.0, save_steps=100, **kw)
    router = build_router(cfg, domains=["math"])
    trainer = build_trainer(cfg, job, router, engine)
    if bound is not None:  # queue further ahead than the bound allows: those batches must be generated again
        trainer.posttrain_async.k = bound
    try:
        trainer.train()
    finally:
        trainer.posttrain_async.close()
    ledger = [json.loads(x) for x in (job.out_dir / "batches.jsonl").read_text().splitlines()]
    log = [json.loads(x) for x in (job.out_dir / "train_log.jsonl").read_text().splitlines()]
    return trainer, router, ledger, [r for r in log if "reward" in r]


@pytest.mark.parametrize("k", [1, 2])
def test_async_generates_ahead_within_the_staleness_bound(tiny_model, tmp_path, engine, k):
    trainer, router, ledger, log = _train(_cfg(tiny_model, tmp_path, k), tmp_path, engine, steps=5)
    assert [r["step"] for r in ledger] == [0, 1, 2, 3, 4]  # each step's batch trained once, in order
    staleness = [r["staleness"] for r in ledger]
    # the first step is generated on demand; from then on each batch was generated k updates back
    # (the rows read ahead were the ones TRL drew, else the batch would have been made on demand: 0)
    assert staleness == [0] + [min(s, k) for s in range(1, 5)], staleness
    assert all(r["version"] == r["step"] - r["staleness"] for r in ledger)
    runner = trainer.posttrain_async
    assert runner.totals["regenerated"] == 0 and runner.totals["steps"] == 5
    assert router.claimed == 5 * 8  # TRL took every score the worker computed instead of scoring again
    assert all(r["async/staleness"] <= k and r["async/trainer_wait_s"] >= 0 for r in log)
    assert trainer.state.global_step == 5


def test_a_batch_older_than_the_bound_is_generated_again(tiny_model, tmp_path, engine):
    trainer, _, ledger, _ = _train(_cfg(tiny_model, tmp_path, 2), tmp_path, engine, steps=4, bound=1)
    assert [r["step"] for r in ledger] == [0, 1, 2, 3]
    assert all(r["staleness"] <= 1 for r in ledger)  # never trained on a batch 2 versions old
    assert trainer.posttrain_async.totals["regenerated"] >= 1


def test_async_with_dynamic_sampling_refills_on_the_worker(tiny_model, tmp_path, engine):
    cfg = _cfg(tiny_model, tmp_path, 1)
    trainer, router, ledger, log = _train(cfg, tmp_path, engine, steps=3,
                                          dynamic_sampling=DynamicSamplingConfig(max_extra_batches=2))
    assert [r["staleness"] for r in ledger] == [0, 1, 1]
    assert all("dynamic_sampling/filtered" in r for r in log)  # the worker's counts, logged on the trainer's thread
    assert router.claimed >= 3 * 8


def test_async_config_names_the_field():
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="grpo.async.max_staleness"):
        parse_config({"model": "m", "grpo": {"async": {"enabled": True, "max_staleness": 0}}})


@pytest.mark.parametrize("extra, field", [({"experts": {"math": {"num_workers": 2}}}, "grpo.async.enabled"),
                                          ({"rollout": {"sleep_mode": "on"}}, "rollout.sleep_mode")])
def test_async_config_refuses_what_it_cannot_run(tmp_path, extra, field):
    from pipeline.config import load_config
    from pipeline.errors import ConfigError

    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"model": "smollm2-135m-instruct", "domains": ["math"], "output_dir": str(tmp_path),
                                    "grpo": {"async": {"enabled": True}}, **extra}))
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_config(str(path))
