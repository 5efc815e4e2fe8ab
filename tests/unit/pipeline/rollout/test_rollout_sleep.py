"""Sleep mode (issue 25.1): the order of sleep, wake, sync and generate over several GRPO steps, checked with
a recording stand-in for vLLM's LLM driven through the real VLLMEngine and EngineRollout (the CUDA cycle
itself is tests/gpu/test_rollout_scale_gpu.py), and when sleep mode is on at all."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline.errors import ConfigError
from pipeline.rollout import SamplingConfig
from pipeline.rollout.sleep import SleepCycle, sleep_enabled

PROMPT = [{"role": "user", "content": "What is 2+3?"}]


class RecordingLLM:
    """vLLM's LLM surface the engine uses, recording calls; it refuses work while its memory is released."""

    def __init__(self, tokenizer):
        self.tok, self.calls, self.asleep = tokenizer, [], set()

    def get_tokenizer(self):
        return self.tok

    def sleep(self, level):
        self.calls.append(f"sleep{level}")
        self.asleep = {"weights", "kv_cache"}

    def wake_up(self, tags):
        self.calls.append("wake:" + "+".join(tags))
        self.asleep -= set(tags)

    def generate(self, requests, params, use_tqdm=False):
        assert not self.asleep, f"generate while {sorted(self.asleep)} asleep"
        self.calls.append("generate")
        lp = [{7: SimpleNamespace(logprob=-0.5)}, {8: SimpleNamespace(logprob=-0.25)}]
        out = SimpleNamespace(text="ab", token_ids=[7, 8], logprobs=lp, finish_reason="length", stop_reason=None)
        return [SimpleNamespace(outputs=[out] * params.n) for _ in requests]

    def collective_rpc(self, method, kwargs=None):
        name = method if isinstance(method, str) else method.__name__
        if name == "reload_weights":
            assert "weights" not in self.asleep, "reload into released weights"
            assert len(list(kwargs["weights_iterator"])) > 0
        self.calls.append(name)

    def reset_prefix_cache(self):
        self.calls.append("reset_prefix_cache")


class Trainer:
    """The few trainer attributes EngineRollout.sync reads."""

    def __init__(self, model):
        self.model, self.state = model, SimpleNamespace(global_step=0)
        self.accelerator = SimpleNamespace(unwrap_model=lambda m: m)

    def is_world_process_zero(self):
        return True


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def _rollout(tokenizer, level=1):
    import torch

    from pipeline.rollout.vllm_backend import VLLMEngine
    from pipeline.train.rl_rollout import EngineRollout

    llm = RecordingLLM(tokenizer)
    engine = VLLMEngine.around(llm, "tiny", sleep=True)
    engine.sleep.level = level
    return llm, EngineRollout(engine, SamplingConfig(max_tokens=2)), Trainer(torch.nn.Linear(2, 2))


SYNC = ["wake:weights", "reload_weights", "_repack_lm_head", "reset_prefix_cache"]
GENERATE = ["wake:kv_cache", "generate", "sleep1"]


def test_sleep_wake_sync_generate_order_over_steps_and_a_resume(tokenizer):
    llm, rollout, trainer = _rollout(tokenizer)
    rollout([PROMPT, PROMPT], trainer)  # step 0: the fresh engine is awake and holds the start weights
    assert llm.calls == ["generate", "sleep1"]
    llm.calls.clear()
    rollout.generate_timed([PROMPT])  # dynamic sampling: another batch at the same step, no sync
    assert llm.calls == ["wake:weights+kv_cache", "generate", "sleep1"]
    for step in (1, 2):
        llm.calls.clear()
        trainer.state.global_step = step
        rollout([PROMPT], trainer)
        assert llm.calls == SYNC + GENERATE, step
    # resume at step 5: a new engine (awake, start weights) is synced before it generates anything
    llm, rollout, trainer = _rollout(tokenizer)
    trainer.state.global_step = 5
    rollout([PROMPT], trainer)
    assert llm.calls == SYNC[1:] + ["generate", "sleep1"]


def test_engines_without_a_trainer_never_sleep(tokenizer):
    """Eval, distillation and calibration only generate: the cycle starts with a trainer's first rollout."""
    llm, rollout, trainer = _rollout(tokenizer)
    rollout.generate_timed([PROMPT])  # distillation's path: EngineRollout.generate, no trainer
    rollout.engine.sync_weights({"w": trainer.model.weight})  # an eval model swap
    assert llm.calls == ["generate", "reload_weights", "_repack_lm_head", "reset_prefix_cache"]
    rollout([PROMPT], trainer)  # a trainer asks: armed from now on
    assert llm.calls[-2:] == ["generate", "sleep1"]


def test_level_2_forces_a_sync_before_the_next_generate(tokenizer):
    llm, rollout, trainer = _rollout(tokenizer, level=2)
    rollout([PROMPT], trainer)
    assert rollout.engine.needs_weights
    llm.calls.clear()
    with pytest.raises(RuntimeError, match="level 2"):
        rollout.generate_timed([PROMPT])  # generating from dropped weights is refused, not garbage
    rollout([PROMPT], trainer)  # same step, but the engine lost its weights: EngineRollout syncs first
    assert llm.calls == SYNC + ["wake:kv_cache", "generate", "sleep2"]


def test_sleep_cycle_alone_wakes_only_what_sleeps():
    calls = []
    llm = SimpleNamespace(sleep=lambda level: calls.append(("sleep", level)),
                          wake_up=lambda tags: calls.append(("wake", tuple(tags))))
    cycle = SleepCycle(llm)
    cycle.before_sync()
    cycle.before_generate()
    assert calls == []  # awake at start: nothing to wake
    cycle.after_generate()
    cycle.before_sync()
    cycle.before_sync()
    cycle.before_generate()
    assert calls == [("sleep", 1), ("wake", ("weights",)), ("wake", ("kv_cache",))]


@pytest.mark.parametrize("mode,colocated,cuda,on", [
    ("auto", True, True, True), ("auto", True, False, False), ("auto", False, True, False),
    ("off", True, True, False), ("on", True, True, True), ("on", False, True, False)])
def test_sleep_enabled(mode, colocated, cuda, on):
    assert sleep_enabled(mode, colocated, cuda) is on


def test_sleep_on_without_cuda_names_the_field():
    with pytest.raises(ConfigError, match=r"^rollout\.sleep_mode: on needs CUDA"):
        sleep_enabled("on", True, False)


def _cfg(**over):
    from pipeline.config import parse_config

    base = {"domains": ["math", "writing"], "logging": {"report_to": []}, "rollout": {"backend": "vllm"},
            "resources": {"expert": {"num_cpus": 1, "num_gpus": 1}}}
    return parse_config({**base, **over})


def test_validate_rejects_an_in_process_judge_next_to_a_sleeping_engine():
    with pytest.raises(ConfigError, match=r"^judge\.backend: an in-process vLLM judge would share"):
        _cfg(judge={"backend": "vllm"})
    _cfg(judge={"backend": "vllm"}, rollout={"backend": "vllm", "sleep_mode": "off"})  # no sleep: fine
    _cfg(judge={"backend": "openai", "serve": True})  # a served judge lives in its own actor: fine
    with pytest.raises(ConfigError, match=r"^judge\.backend"):  # sleep on asked explicitly, even without GPUs
        _cfg(judge={"backend": "vllm"}, rollout={"backend": "vllm", "sleep_mode": "on"}, resources={})
