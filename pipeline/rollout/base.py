"""Rollout types, the backend registry and ``build_engine``."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from rewards.registry import Registry

from .templates import Messages, render

log = logging.getLogger(__name__)


@dataclass
class SamplingConfig:
    """Sampling parameters shared by every backend."""

    n: int = 1
    max_tokens: int = 128
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    seed: int | None = None
    logprobs: bool = False
    stop: list[str] = field(default_factory=list)
    include_stop_token: bool = False  # keep the EOS token (and its logprob) in token_ids, as RL training needs
    structured: dict[str, Any] | None = None
    """Constrain the output (guided decoding): exactly one of ``{"regex": str}``, ``{"json": schema}``,
    ``{"choice": [str, ...]}`` or ``{"grammar": str}``. Only engines with ``supports_structured``
    (vLLM) honour it; the HF engine raises NotImplementedError rather than silently ignoring it."""


STRUCTURED_KINDS = ("regex", "json", "choice", "grammar")


def check_structured(structured: dict[str, Any] | None) -> dict[str, Any] | None:
    """Validate ``SamplingConfig.structured``; returns it unchanged, raises ValueError naming the problem."""
    if structured is None:
        return None
    keys = [k for k in structured if structured[k] is not None]
    if len(keys) != 1 or keys[0] not in STRUCTURED_KINDS:
        raise ValueError(f"SamplingConfig.structured must have exactly one of {', '.join(STRUCTURED_KINDS)}; "
                         f"got keys {sorted(structured)}")
    return structured


@dataclass
class Sample:
    text: str  # includes the template prefill (e.g. "<think>\n") so rewards see the whole block
    token_ids: list[int]
    logprobs: list[float] | None
    finish_reason: str  # "stop" | "length"


@dataclass
class Generation:
    prompt: str | Messages
    prompt_text: str
    prompt_token_ids: list[int]
    samples: list[Sample]


class RolloutEngine:
    """Base class: subclasses implement ``_generate_ids`` and ``sync_weights``."""

    name = "base"
    supports_structured = False  # honours SamplingConfig.structured (guided decoding)
    sync_bucket_mb = 256.0  # rollout.sync_bucket_mb (set by pipeline/rollout/build.py)
    sync_check_max_gap: float | None = None  # post-sync probe check bound (nats/token); None = no check
    shared = False  # one engine serves several training ranks: only rank 0 syncs it (server mode)
    needs_weights = False  # True when the engine dropped its weights (sleep level 2) and must be synced

    def __init__(self, model_path: str, tokenizer: Any):
        self.model_path = str(model_path)
        self.tokenizer = tokenizer

    def generate(self, prompts: list[str | Messages], sampling: SamplingConfig,
                 mode: str | None = None, tools: list[Any] | None = None) -> list[Generation]:
        rendered = [render(self.tokenizer, p, mode, tools) for p in prompts]
        ids = [self.tokenizer(text, add_special_tokens=False)["input_ids"] for text, _ in rendered]
        outs = self._generate_ids(ids, sampling)
        return [Generation(p, text, pid, [Sample(prefill + s.text, s.token_ids, s.logprobs, s.finish_reason) for s in samples])
                for p, (text, prefill), pid, samples in zip(prompts, rendered, ids, outs)]

    def generate_ids(self, prompt_ids: list[list[int]], sampling: SamplingConfig) -> list[list[Sample]]:
        """Generate from already tokenised prompts (multi-turn RL rollouts build their own ids);
        ``Sample.text`` has no prefill here."""
        return self._generate_ids(prompt_ids, sampling)

    def _generate_ids(self, prompt_ids: list[list[int]], sampling: SamplingConfig) -> list[list[Sample]]:
        raise NotImplementedError

    def sync_weights(self, weights: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Load updated policy weights (HF parameter names) into the engine: a state dict, or a stream of
        ``(name, tensor)`` pairs consumed once (pipeline/rollout/weight_stream.py)."""
        raise NotImplementedError

    def arm_sleep(self) -> None:
        """A trainer now shares the device: engines with a sleep mode start sleeping between rollouts."""

    def score_ids(self, seqs: list[list[int]]) -> list[list[float]]:
        """Log-prob of each token after the first of each sequence, under the engine's current weights
        (the post-sync probe check compares these with the trainer's)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


# The built-in backends, imported on first use (vLLM and torch are heavy).
BACKENDS = Registry("rollout backend", {
    "vllm": "pipeline.rollout.vllm_backend:VLLMEngine",
    "hf": "pipeline.rollout.hf_backend:HFEngine",
})


def register_backend(name: str, import_path: str | Callable[..., RolloutEngine]) -> None:
    """Register a backend: an engine class, or ``module:Class`` so heavy imports happen on use."""
    BACKENDS.register(name, import_path)


def vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
        return True
    except Exception:  # noqa: BLE001 - a broken install counts as absent
        return False


def build_engine(model_path: str, backend: str = "auto", **options: Any) -> RolloutEngine:
    """Build a rollout engine. ``backend``: auto | vllm | hf (or a registered name)."""
    if backend == "auto":
        backend = "vllm" if vllm_available() else "hf"
        if backend == "hf":
            log.warning("vLLM is not importable; falling back to HF generate for rollouts (slower)")
    if backend not in BACKENDS:
        raise ValueError(f"unknown rollout backend {backend!r}; choose from auto, {', '.join(BACKENDS.names())}")
    return BACKENDS.get(backend)(model_path, **options)
