"""Push the trainer's policy into its rollout engine after an update, streamed, then check it took effect.

    gap = push_policy(engine, trainer)      # EngineRollout.sync (rl_rollout.py) calls this each new step

1. **Stream**: the weights come one parameter at a time from pipeline/train/weights.py's
   ``iter_policy_weights`` (FSDP2-aware: full tensors gathered one by one, LoRA merged per layer); the
   engine consumes the stream as it comes (in-process vLLM: one ``reload_weights`` over it; an engine
   actor: buckets of ``rollout.sync_bucket_mb``), so the trainer never holds a second full copy.
2. **One engine, many ranks** (server mode, ``engine.shared``): only rank 0 syncs; the other ranks walk
   the stream only where gathering is collective (FSDP), then every rank waits for rank 0, so no rank
   samples from the old weights.
3. **Check**: both sides score a fixed probe batch (pipeline/rollout/probe.py) and a mean gap above
   ``engine.sync_check_max_gap`` raises ``WeightSyncError``: the engine is not serving the trainer's
   weights. It would have caught the stale tied output head of 079737b on the first sync.

Not built: the NCCL/gloo broadcast path between a trainer group and a served engine (TRL's vLLM client,
OpenRLHF); served engines get the buckets through Ray's object store.
"""
from __future__ import annotations

import logging
from typing import Any

from ..rollout.probe import mean_gap, probe_ids, sequence_logprobs
from .sharded_save import is_sharded
from .weights import iter_policy_weights

log = logging.getLogger(__name__)


class WeightSyncError(RuntimeError):
    """The engine does not generate with the weights the trainer just pushed."""


def push_policy(engine: Any, trainer: Any) -> float | None:
    """Sync ``engine`` to the trainer's current policy; returns the probe gap (None when not checked here)."""
    model = trainer.accelerator.unwrap_model(trainer.model)
    owner = not engine.shared or trainer.is_world_process_zero()
    weights = iter_policy_weights(model)
    if owner:
        engine.sync_weights(weights)
    elif is_sharded(model):
        for _ in weights:  # full_tensor() is a collective: every rank walks the stream
            pass
    if engine.shared:
        trainer.accelerator.wait_for_everyone()
    if engine.sync_check_max_gap is None:
        return None
    return check_sync(engine, model, owner, trainer.state.global_step)


def check_sync(engine: Any, model: Any, owner: bool, step: int) -> float | None:
    """Compare the engine's and the trainer's probe log-probs; raise ``WeightSyncError`` over the bound."""
    seqs = probe_ids(engine.tokenizer)
    theirs = sequence_logprobs(model, seqs)  # every rank: a sharded forward is collective
    return check_gap(engine, seqs, theirs, step) if owner else None


def check_gap(engine: Any, seqs: list[list[int]], theirs: list[list[float]], step: int) -> float:
    """The engine's probe log-probs against the trainer's (``theirs``, taken when its weights were read);
    raises ``WeightSyncError`` over the bound."""
    gap = mean_gap(engine.score_ids(seqs), theirs)
    bound = engine.sync_check_max_gap
    if gap > bound:
        raise WeightSyncError(
            f"weight sync check failed at step {step}: the engine's log-probs differ from the trainer's by {gap:.4g} "
            f"nats per token on the probe batch (bound {bound:.4g}, rollout.sync_check_max_gap), so the engine is "
            "not serving the trainer's weights (a stale output head, a weight it did not load, a renamed parameter)")
    log.debug("weight sync check at step %d: gap %.3g nats/token (bound %.3g)", step, gap, bound)
    return gap
