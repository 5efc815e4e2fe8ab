"""Forgetting guard for mixed GRPO: evaluate every domain's held-out prompts at the start,
every ``mixed.eval_every`` steps and at the end, so a run shows when a domain regresses.

Greedy samples from the rollout engine (synced to the current policy first), scored by the
same router as training. Each evaluation appends ``{"step", "<domain>/reward", "<domain>/accuracy"}``
to ``forgetting.jsonl`` and adds ``forgetting/<domain>/...`` to the next train-log line.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from ..scoring.metrics import is_correct
from ..rollout import SamplingConfig
from ..rollout.sampling import sample_rows


class ForgettingGuard(TrainerCallback):
    def __init__(self, router: Any, rows_by_domain: dict[str, list[dict[str, Any]]], every: int,
                 path: Path, max_tokens: int, mode: str = "non_thinking"):
        self.router, self.rows = router, rows_by_domain
        self.rollout: Any = None  # the EngineRollout, set by grpo.build_trainer
        self.every, self.path, self.mode = every, Path(path), mode
        self.sampling = SamplingConfig(n=1, max_tokens=max_tokens, temperature=0.0)
        self.trainer: Any = None  # set by the stage: the callback syncs weights through the trainer
        self.history: list[dict[str, float]] = ([json.loads(ln) for ln in self.path.read_text().splitlines() if ln]
                                                if self.path.exists() else [])  # kept across a resume
        self.pending: dict[str, float] = {}

    def _sample(self) -> dict[str, list[dict[str, Any]]]:
        return {d: sample_rows(self.rollout.engine, rows, self.sampling, self.mode) for d, rows in self.rows.items()}

    def evaluate(self, step: int) -> dict[str, float]:
        on_engine = getattr(self.rollout, "on_engine", None)  # asynchronous GRPO: its worker owns the engine
        if on_engine is not None:
            samples = on_engine(self._sample)
        else:
            if self.trainer is not None:
                self.rollout.sync(self.trainer)
            samples = self._sample()
        rec: dict[str, float] = {"step": step}
        for domain in self.rows:
            scored = self.router.score_rows(samples[domain])
            rewards = [r["reward"] for r in scored if r["reward"] is not None]
            correct = [c for c in map(is_correct, scored) if c is not None]
            rec[f"{domain}/reward"] = sum(rewards) / len(rewards) if rewards else 0.0
            if correct:
                rec[f"{domain}/accuracy"] = sum(correct) / len(correct)
        self.history.append(rec)
        with self.path.open("a") as f:
            f.write(json.dumps(rec) + "\n")
        return rec

    def _pending(self, rec: dict[str, float]) -> None:
        self.pending = {f"forgetting/{k}": v for k, v in rec.items() if k != "step"}

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.global_step == 0 and state.is_world_process_zero:  # rank 0 evaluates for every worker
            self._pending(self.evaluate(0))

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if (self.every and state.global_step % self.every == 0 and state.global_step < state.max_steps
                and state.is_world_process_zero):
            self._pending(self.evaluate(state.global_step))

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Merge the latest evaluation into the step's logs (this callback runs before TrainLogCallback)."""
        if logs is not None and self.pending:
            logs.update(self.pending)
            self.pending = {}

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.evaluate(state.global_step)
