"""Dynamic sampling (DAPO): drop GRPO groups whose rewards all equal, refill the batch by over-sampling.

A group whose completions all get the same reward (all right, all wrong, or the same shaped
score) has zero advantage under GRPO: every completion equals its group's mean, so the group
costs a forward and backward pass and moves nothing. DAPO (Yu et al., 2025) keeps sampling
until every group of the batch has reward variance. Sparse rewards on a small model make such
groups the common case, which is why this is on by default for the experts.

How it plugs into TRL 1.16 without forking the trainer: ``install(trainer, ...)`` wraps the
trainer's ``_generate_and_score_completions`` (TRL calls it once per optimizer step with this
process's generation batch: the dataset rows, each repeated ``num_generations`` times). The
wrapper first samples those groups itself through the stage's ``EngineRollout``, scores them
with the same reward router, drops the groups whose rewards are all equal and draws replacement
prompts from the training dataset (seeded, never a prompt already tried this step) for up to
``max_extra_batches`` more rounds, each at most one batch of prompts. It then hands TRL the
kept rows, and the rollout function returns the completions already generated for them
(``EngineRollout.stage``), so nothing is generated twice and TRL's reward, advantage and loss
code runs unchanged on a batch of the size it expects.

Departures from DAPO: the extra generations are capped; when the cap is reached the batch is
filled up with dropped groups (zero advantage, so they add no gradient) and the share is logged
as ``dynamic_sampling/unfilled``. The kept groups are scored once: the router remembers the scores
(``RewardRouter.prescore``) and TRL's reward call takes them.

Logged per step (train_log.jsonl, tensorboard): ``dynamic_sampling/filtered`` (share of the
groups sampled this step that were dropped), ``dynamic_sampling/<domain>/filtered``,
``dynamic_sampling/extra_groups`` (groups sampled beyond the batch) and ``/unfilled``.

    install(trainer, rollout, router, max_extra_batches=2, seed=cfg.seed)
"""
from __future__ import annotations

import json
import logging
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger(__name__)
EPS = 1e-6


def has_variance(rewards: list[float | None]) -> bool:
    """Whether a group's rewards differ (None rewards, rows no reward applies to, are ignored)."""
    vals = [r for r in rewards if r is not None and not math.isnan(r)]
    return len(vals) > 1 and max(vals) - min(vals) > EPS


def _key(row: dict[str, Any]) -> str:
    return json.dumps(row["prompt"], sort_keys=True)


@dataclass
class _Group:
    row: dict[str, Any]
    tracks: list[Any]
    rewards: list[float | None]

    @property
    def domain(self) -> str:
        return str(self.row.get("domain"))


def sample_groups(rollout: Any, router: Any, rows: list[dict[str, Any]], g: int) -> list[_Group]:
    """``g`` completions per row from ``rollout`` (an EngineRollout, at the weights its engine holds), scored by
    ``router.prescore`` (TRL's reward call then takes those scores)."""
    tracks = rollout.generate_timed([r["prompt"] for r in rows for _ in range(g)])
    texts = rollout.tok.batch_decode([t.ids for t in tracks], skip_special_tokens=True)
    scored = router.prescore([{**r, "completion": [{"role": "assistant", "content": texts[i * g + j]}],
                               "completion_tokens": tracks[i * g + j].sampled, "finish_reason": tracks[i * g + j].finish}
                              for i, r in enumerate(rows) for j in range(g)])
    return [_Group(r, tracks[i * g:(i + 1) * g], [s.reward for s in scored[i * g:(i + 1) * g]])
            for i, r in enumerate(rows)]


class DynamicSampler:
    """The wrapper around ``trainer._generate_and_score_completions`` (see the module docstring)."""

    def __init__(self, trainer: Any, rollout: Any, router: Any, max_extra_batches: int, seed: int):
        self.trainer, self.rollout, self.router = trainer, rollout, router
        self.max_extra_batches, self.seed = max_extra_batches, seed
        self.inner: Callable[[list[dict[str, Any]]], Any] = trainer._generate_and_score_completions
        self.last: dict[str, Any] = {}  # the latest step's logged counts (tests, logs)
        self.counts: dict[str, float] = {}  # the latest refill's counts

    def __call__(self, inputs: list[dict[str, Any]]) -> Any:
        if not self.trainer.model.training:
            return self.inner(inputs)
        g = self.trainer.num_generations
        firsts = [inputs[i] for i in range(0, len(inputs), g)]
        groups = self.refill(firsts)
        self.record(self.counts)
        rows = [dict(gr.row) for gr in groups for _ in range(g)]
        self.rollout.stage([r["prompt"] for r in rows], [t for gr in groups for t in gr.tracks])
        return self.inner(rows)

    def refill(self, firsts: list[dict[str, Any]], step: int | None = None, sync: bool = True) -> list[_Group]:
        """``len(firsts)`` groups: those with reward variance first, topped up from the dataset; the step's
        counts go to ``self.counts`` (``record`` logs them). Asynchronous GRPO calls this from its rollout
        worker for a later ``step``, with ``sync=False`` (it pushes the weights itself)."""
        want, step = len(firsts), self.trainer.state.global_step if step is None else step
        rng = random.Random(f"{self.seed}:{step}:{self.trainer.accelerator.process_index}")
        tried = {_key(r) for r in firsts}
        kept: list[_Group] = []
        dropped: list[_Group] = []
        batch, rounds = firsts, 0
        while batch:
            for gr in self.sample(batch, sync):
                (kept if has_variance(gr.rewards) else dropped).append(gr)
            if len(kept) >= want or rounds >= self.max_extra_batches:
                break
            rounds += 1
            keep_rate = max(len(kept), 1) / (len(kept) + len(dropped))
            batch = self.draw(rng, min(want, math.ceil((want - len(kept)) / keep_rate)), tried)
        self.counts = self.count(want, kept, dropped)
        return (kept + dropped)[:want]

    def sample(self, rows: list[dict[str, Any]], sync: bool = True) -> list[_Group]:
        """Generate and score one group per row with the stage's rollout and reward router."""
        if sync:
            self.rollout.sync(self.trainer)
        return sample_groups(self.rollout, self.router, rows, self.trainer.num_generations)

    def draw(self, rng: random.Random, n: int, tried: set[str]) -> list[dict[str, Any]]:
        """Up to ``n`` training rows whose prompts were not tried this step (seeded)."""
        ds = self.trainer.train_dataset
        order = rng.sample(range(len(ds)), len(ds)) if len(ds) <= 4096 else [rng.randrange(len(ds)) for _ in range(4096)]
        out = []
        for i in order:
            row = ds[i]
            if _key(row) not in tried:
                tried.add(_key(row))
                out.append(row)
                if len(out) == n:
                    break
        return out

    @staticmethod
    def count(want: int, kept: list[_Group], dropped: list[_Group]) -> dict[str, float]:
        sampled = len(kept) + len(dropped)
        by_domain, dropped_by = Counter(g.domain for g in kept + dropped), Counter(g.domain for g in dropped)
        return {"filtered": len(dropped) / sampled, "extra_groups": sampled - want,
                "unfilled": max(0, want - len(kept)) / want,
                **{f"{d}/filtered": dropped_by[d] / n for d, n in by_domain.items()}}

    def record(self, counts: dict[str, float]) -> None:
        """Log one step's counts (on the trainer's thread: TRL's metrics are not thread-safe)."""
        self.last = counts
        metrics = self.trainer._metrics["train"]
        for name, value in self.last.items():
            metrics[f"dynamic_sampling/{name}"].append(float(value))


def install(trainer: Any, rollout: Any, router: Any, max_extra_batches: int, seed: int) -> DynamicSampler:
    """Wrap ``trainer``'s generation step with dynamic sampling; returns the wrapper."""
    sampler = DynamicSampler(trainer, rollout, router, max_extra_batches, seed)
    trainer._generate_and_score_completions = sampler
    return sampler
