"""Asynchronous GRPO with bounded staleness (``grpo.async``): the engine generates the next steps' batches
while the trainer learns from this one.

    runner = install(trainer, rollout, router, sampler, max_staleness=1, ledger=out_dir / "batches.jsonl")

How a step goes (TRL calls the wrapped ``_generate_and_score_completions`` once per optimizer step t, with the
rows its dataloader drew; the policy version is ``trainer.state.global_step``, the updates done so far):

1. **Take** step t's batch from the queue, waiting if it is not ready (``async/trainer_wait_s``). A batch whose
   drawn rows are not the ones TRL drew (the lookahead could not see them: an epoch's first step, a resumed run's
   first) is generated now.
2. **Bound**: its staleness, t minus the version that generated it, is at most k = ``max_staleness``; an older
   batch is dropped and generated again with the current weights (``async/regenerated``). Never trained on.
3. **Queue** steps t+1 .. t+k (rows read ahead by pipeline/train/lookahead.py) on the rollout worker, a single
   thread that owns the engine: its first new job starts by loading the current weights, so a batch queued at
   version v is generated with v and trained at the latest at v + k. A generation under way is never
   interrupted: the weights wait for it (the engine's idle time before a job is ``async/engine_wait_s``).
4. **Train** on step t's batch: its completions are staged in the rollout function, their rewards were scored on
   the worker (``RewardRouter.prescore``, which TRL's reward call claims), and dynamic sampling's refill ran
   there too, so neither is on the trainer's critical path.

The log-probabilities the V3.2 off-policy mask and TIS compare against are the engine's, returned with each
sample: those of the policy version that generated it. Weights are read on the trainer's thread between two
updates (a CPU copy of the merged policy, plus the probe log-probs for ``rollout.sync_check``) and loaded and
checked on the worker.

**Resume** (``kill -9`` at any point): the TRL checkpoint holds the policy (its version is the checkpoint's
global step), optimizer, scheduler and RNG states; the dataloader position is that step (the Trainer skips the
batches before it). The queue is not saved: the batches queued ahead are dropped with the process and
generated again from the restored policy, with the drawn rows the dataloader gives them, so a resumed run trains
every step's drawn rows once (none twice, none lost) and none older than k. ``batches.jsonl`` is the ledger: one
line per step trained (step, version, staleness, the ids of the rows drawn and trained); on resume the lines of
steps the checkpoint does not hold are cut. Sampled completions after a resume are new draws (the engine's
sampler state is not checkpointed).
"""
from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import lookahead
from .dynamic_sampling import sample_groups
from .policy_sync import check_gap
from .weights import iter_policy_weights

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """One step's completions, generated on the worker."""

    drawn: list[dict[str, Any]]  # the rows TRL's dataloader drew, one per group
    rows: list[dict[str, Any]]  # the rows trained (dynamic sampling may replace groups), one per group
    tracks: list[Any]  # completions, group after group
    version: int  # policy version (updates done) of the weights that generated it
    engine_wait_s: float = 0.0  # the worker's idle time before this job
    sync_s: float = 0.0
    generate_s: float = 0.0
    counts: dict[str, float] = field(default_factory=dict)  # dynamic sampling's counts


@dataclass
class Weights:
    """The policy read between two updates: named CPU tensors, and the probe log-probs to check the load."""

    version: int
    tensors: list[tuple[str, Any]]
    probe: tuple[list[list[int]], list[list[float]]] | None


def _ids(rows: list[dict[str, Any]]) -> list[Any]:
    return [r.get("id", json.dumps(r.get("prompt"), sort_keys=True)) for r in rows]


class AsyncGRPO:
    """The wrapper around ``trainer._generate_and_score_completions`` (see the module docstring)."""

    def __init__(self, trainer: Any, rollout: Any, router: Any, sampler: Any, max_staleness: int, ledger: Path):
        if trainer.accelerator.num_processes > 1:
            raise ValueError("grpo.async runs with one training process; set num_workers: 1 or grpo.async.enabled false")
        self.trainer, self.rollout, self.router, self.sampler = trainer, rollout, router, sampler
        self.k, self.ledger = max_staleness, Path(ledger)  # k: the bound a batch is checked against
        self.depth = max_staleness  # steps queued ahead (= k: a batch queued j steps ahead is j versions old)
        self.look = lookahead.install(trainer, max_staleness)
        # TRL's own step (under dynamic sampling's wrapper, whose refill runs on the worker instead)
        self.inner = sampler.inner if sampler is not None else trainer._generate_and_score_completions
        rollout.on_engine = self.on_engine  # other engine users (the forgetting guard) go through the worker
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posttrain-rollout")
        self.queued: dict[int, tuple[list[Any], Future]] = {}  # step -> (drawn ids, job)
        self.pushed: int | None = None  # newest version handed to the worker
        self.engine_version = 0  # worker-side: the version the engine holds
        self.idle_since: float | None = None  # worker-side
        self.read_s = 0.0  # trainer-side time reading weights since the last step was recorded
        self.totals = {"trainer_wait_s": 0.0, "engine_wait_s": 0.0, "regenerated": 0, "steps": 0, "max_staleness_seen": 0}

    # ---- trainer thread -------------------------------------------------------------------------
    def __call__(self, inputs: list[dict[str, Any]]) -> Any:
        if not self.trainer.model.training:
            return self.inner(inputs)
        g, step = self.trainer.num_generations, self.trainer.state.global_step
        drawn = [inputs[i] for i in range(0, len(inputs), g)]
        self._start(step)
        t = time.perf_counter()
        batch = self._take(step, drawn)
        if step - batch.version > self.k:
            log.warning("async GRPO: step %d's batch is %d versions old (max_staleness %d): generating it again",
                        step, step - batch.version, self.k)
            self.totals["regenerated"] += 1
            batch = self._queue(step, drawn, ahead=False).result()
        wait = time.perf_counter() - t
        self._queue_ahead(step)
        self._record(step, batch, wait)
        rows = [dict(r) for r in batch.rows for _ in range(g)]
        self.rollout.stage([r["prompt"] for r in rows], batch.tracks)
        return self.inner(rows)

    def _start(self, step: int) -> None:
        """The first use in this process: the engine holds the starting weights (version 0), and the ledger
        loses the steps a resumed run's checkpoint does not hold."""
        if self.pushed is None:
            self.pushed = 0 if step == 0 else -1
            self._cut_ledger(step)

    def on_engine(self, fn: Any) -> Any:
        """Run ``fn()`` on the worker, after the batches queued so far, with the current policy loaded."""
        self._start(self.trainer.state.global_step)
        weights = self._new_weights()

        def job() -> Any:
            if weights is not None:
                self._load(weights)
            return fn()

        return self.worker.submit(job).result()

    def _take(self, step: int, drawn: list[dict[str, Any]]) -> Batch:
        for old in [s for s in self.queued if s < step]:  # left behind (cannot happen in order; be safe)
            self.queued.pop(old)[1].cancel()
        entry = self.queued.pop(step, None)
        if entry is not None and entry[0] == _ids(drawn):
            return entry[1].result()
        if entry is not None:
            log.warning("async GRPO: step %d's rows are not the ones read ahead; generating them now", step)
        return self._queue(step, drawn, ahead=False).result()

    def _queue_ahead(self, step: int) -> None:
        for j, rows in enumerate(self.look.upcoming()[: self.depth], start=1):
            if step + j not in self.queued:
                self._queue(step + j, [rows[i] for i in range(0, len(rows), self.trainer.num_generations)])

    def _queue(self, step: int, drawn: list[dict[str, Any]], ahead: bool = True) -> Future:
        """Queue step ``step``'s batch on the worker (after the current weights, if the engine lacks them)."""
        job = self.worker.submit(self._job, step, drawn, self._new_weights())
        if ahead:
            self.queued[step] = (_ids(drawn), job)
        return job

    def _new_weights(self) -> Weights | None:
        """The current policy, if the worker was not handed this version yet."""
        version = self.trainer.state.global_step
        if version == self.pushed:
            return None
        self.pushed = version
        t = time.perf_counter()
        weights = self._read_weights(version)
        self.read_s += time.perf_counter() - t
        return weights

    def _read_weights(self, version: int) -> Weights:
        from ..rollout.probe import probe_ids, sequence_logprobs

        model = self.trainer.accelerator.unwrap_model(self.trainer.model)
        tensors = [(n, w.detach().to("cpu", copy=True)) for n, w in iter_policy_weights(model)]
        engine = self.rollout.engine
        probe = None
        if getattr(engine, "sync_check_max_gap", None) is not None:
            seqs = probe_ids(engine.tokenizer)
            probe = (seqs, sequence_logprobs(model, seqs))
        return Weights(version, tensors, probe)

    def _record(self, step: int, batch: Batch, wait: float) -> None:
        staleness = step - batch.version
        tot = self.totals
        tot["trainer_wait_s"] += wait
        tot["engine_wait_s"] += batch.engine_wait_s
        tot["steps"] += 1
        tot["max_staleness_seen"] = max(tot["max_staleness_seen"], staleness)
        metrics = self.trainer._metrics["train"]
        for name, value in {"staleness": staleness, "trainer_wait_s": wait, "engine_wait_s": batch.engine_wait_s,
                            "generate_s": batch.generate_s, "sync_s": batch.sync_s, "read_weights_s": self.read_s}.items():
            metrics[f"async/{name}"].append(float(value))
        self.read_s = 0.0
        if self.sampler is not None:
            self.sampler.record(batch.counts)
        with self.ledger.open("a") as f:
            f.write(json.dumps({"step": step, "version": batch.version, "staleness": staleness,
                                "drawn": _ids(batch.drawn), "trained": _ids(batch.rows)}) + "\n")

    def _cut_ledger(self, step: int) -> None:
        """Drop the ledger lines of steps the checkpoint this run starts from does not hold."""
        if not self.ledger.exists():
            return
        lines = [x for x in self.ledger.read_text().splitlines() if x.strip() and json.loads(x)["step"] < step]
        tmp = self.ledger.with_suffix(".tmp")
        tmp.write_text("".join(x + "\n" for x in lines))
        tmp.replace(self.ledger)

    def close(self) -> None:
        for _, job in self.queued.values():
            job.cancel()
        self.queued.clear()
        self.worker.shutdown(wait=True)

    # ---- rollout worker -------------------------------------------------------------------------
    def _job(self, step: int, drawn: list[dict[str, Any]], weights: Weights | None) -> Batch:
        start = time.perf_counter()
        idle = start - self.idle_since if self.idle_since is not None else 0.0
        try:
            if weights is not None:
                self._load(weights)
            sync_s = time.perf_counter() - start
            self.rollout.timings["sync_s"] += sync_s
            t = time.perf_counter()
            rows, tracks, counts = self._generate(step, drawn)
            return Batch(drawn, rows, tracks, self.engine_version, idle, sync_s, time.perf_counter() - t, counts)
        finally:
            self.idle_since = time.perf_counter()

    def _load(self, weights: Weights) -> None:
        engine = self.rollout.engine
        engine.sync_weights(iter(weights.tensors))
        if weights.probe is not None:
            check_gap(engine, *weights.probe, weights.version)
        self.engine_version = weights.version

    def _generate(self, step: int, drawn: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Any], dict]:
        """Generate and prescore the step's groups (dynamic sampling: and refill them)."""
        if self.sampler is not None:
            groups, counts = self.sampler.refill(drawn, step=step, sync=False), self.sampler.counts
        else:
            groups, counts = sample_groups(self.rollout, self.router, drawn, self.trainer.num_generations), {}
        return [gr.row for gr in groups], [t for gr in groups for t in gr.tracks], counts


def install(trainer: Any, rollout: Any, router: Any, sampler: Any, max_staleness: int, ledger: Path) -> AsyncGRPO:
    """Wrap ``trainer``'s generation step (after dynamic sampling's ``install``, whose sampler it drives)."""
    runner = AsyncGRPO(trainer, rollout, router, sampler, max_staleness, ledger)
    trainer._generate_and_score_completions = runner
    return runner
