"""``grpo.async``: asynchronous GRPO, the engine generating the next batches while the trainer learns from
this one (pipeline/train/async_grpo.py).

    grpo:
      async: {enabled: true, max_staleness: 1}   # one-step off-policy (verl's one_step_off_policy)

Peers: verl ``one_step_off_policy`` / fully async trainer, NeMo-RL ``async_grpo.max_trajectory_age_steps``,
prime-rl ``async_level``, AReaL ``max_head_offpolicyness``, TRL's async GRPO. Off by default: on this 2-core
machine the gain measured in bench/results/async.json is what it is, and one-step staleness is one more thing
the off-policy mask and TIS have to absorb.
"""
from __future__ import annotations

from pydantic import Field

from .section import Section


class AsyncGRPOConfig(Section):
    enabled: bool = False
    """Generate ahead: while the trainer trains on step t's batch, the engine (in a worker thread; with
    rollout.vllm_mode=server, in its own Ray actor and process) generates and scores the batches of the next
    max_staleness steps, each with the newest weights it has. The weights go to the engine after each update,
    queued behind the generation under way (it finishes its batch; none is interrupted). One training process
    (num_workers 1)."""
    max_staleness: int = Field(1, ge=1)
    """k: a sample is generated at most k policy versions before the update that trains on it (1 = one-step
    off-policy); a batch older than that is dropped and generated again, never trained on."""
