"""The dataloader lookahead asynchronous GRPO reads the next steps' rows from: the trainer gets the same batches
in the same order as without it, and ``upcoming`` lists each later step's generation batch."""
from __future__ import annotations

from types import SimpleNamespace

from pipeline.train.lookahead import install


def _trainer():
    def get_batch_samples(it, n, device):
        return [next(it) for _ in range(n)], None

    return SimpleNamespace(get_batch_samples=get_batch_samples)


def test_batches_come_in_order_and_the_next_steps_are_visible():
    trainer = _trainer()
    look = install(trainer, depth=2)
    it = iter([f"b{i}" for i in range(9)])  # 2 batches per step (grad accumulation): steps (b0 b1) (b2 b3) ...
    got, _ = trainer.get_batch_samples(it, 2, None)
    assert got == ["b0", "b1"]
    assert look.upcoming() == ["b2", "b4"]  # the generation batch (first) of each of the next 2 steps
    got, _ = trainer.get_batch_samples(it, 2, None)
    assert got == ["b2", "b3"] and look.upcoming() == ["b4", "b6"]
    trainer.get_batch_samples(it, 2, None)
    trainer.get_batch_samples(it, 2, None)
    assert look.upcoming() == []  # b8 alone is not a whole step
    got, _ = trainer.get_batch_samples(it, 2, None)
    assert got == ["b8"]


def test_a_new_epoch_iterator_starts_afresh():
    trainer = _trainer()
    look = install(trainer, depth=1)
    trainer.get_batch_samples(iter(["a0", "a1", "a2"]), 1, None)
    assert look.upcoming() == ["a1"]
    got, _ = trainer.get_batch_samples(iter(["c0", "c1"]), 1, None)
    assert got == ["c0"] and look.upcoming() == ["c1"]
