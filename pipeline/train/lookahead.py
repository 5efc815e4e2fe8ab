"""Let the trainer see the generation batches of its next steps before it reaches them (asynchronous GRPO).

The HF Trainer pulls each optimizer step's batches from the epoch's dataloader iterator with
``get_batch_samples(epoch_iterator, num_batches, device)``; TRL's GRPOTrainer generates from the first of them
(one generation batch per optimizer step). ``install(trainer, depth)`` wraps that method: it reads up to
``depth`` steps further ahead from the same iterator, keeps them in order and hands them back when the trainer
gets there, so the data order is the dataloader's, unchanged, and a resumed run (which skips the batches its
checkpoint already trained) sees the same steps. ``upcoming()`` lists the rows of those next steps.

The lookahead stops at the end of an epoch (the next epoch's iterator does not exist yet): the first step of a
new epoch is generated when it is reached.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Iterator


class Lookahead:
    def __init__(self, trainer: Any, depth: int):
        self.inner, self.depth = trainer.get_batch_samples, depth
        self.iterator: Iterator | None = None
        self.ahead: deque = deque()  # batches read from ``iterator`` and not yet handed to the trainer
        self.per_step = 1  # batches the trainer takes per optimizer step (its num_batches)

    def __call__(self, epoch_iterator: Iterator, num_batches: int, device: Any) -> tuple[list, Any]:
        if epoch_iterator is not self.iterator:  # a new epoch (or a resumed run's first)
            self.iterator, self.ahead = epoch_iterator, deque()
        self.per_step = max(1, num_batches)
        want = num_batches * (1 + self.depth)
        while len(self.ahead) < want:
            try:
                self.ahead.append(next(epoch_iterator))
            except StopIteration:
                break
        taken = [self.ahead.popleft() for _ in range(min(num_batches, len(self.ahead)))]
        return self.inner(iter(taken), len(taken), device)

    def upcoming(self) -> list[list[dict[str, Any]]]:
        """The generation batches (row lists) of the next steps already read, nearest first."""
        batches = list(self.ahead)
        return [batches[i] for i in range(0, len(batches) - self.per_step + 1, self.per_step)]


def install(trainer: Any, depth: int) -> Lookahead:
    look = Lookahead(trainer, depth)
    trainer.get_batch_samples = look
    return look
