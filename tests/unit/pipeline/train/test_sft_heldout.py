"""SFT's readable loss: the held-out split (whole prompts, capped, seeded), the loss metrics (held-out
before/after, first/last epoch means) and how the report words them."""
from __future__ import annotations

from pipeline.report.tables import durations, stage_note
from pipeline.stages.sft import loss_metrics
from pipeline.train.sft_data import heldout_split


def _row(prompt: int, mode: str) -> list[dict]:
    return [{"role": "system", "content": mode}, {"role": "user", "content": f"q{prompt}"},
            {"role": "assistant", "content": f"a{prompt}"}]


def test_heldout_split_keeps_whole_prompts_out_of_training():
    rows = [_row(i % 20, ("thinking", "non_thinking")[i % 2 == 0 and i < 20]) for i in range(40)]  # 2 rows/prompt
    train, held = heldout_split(rows, 8, seed=0)
    assert len(held) == 8 and sorted(train + held) == list(range(40))
    held_prompts = {rows[i][1]["content"] for i in held}
    assert len(held_prompts) == 4 and not held_prompts & {rows[i][1]["content"] for i in train}
    assert heldout_split(rows, 8, seed=0) == (train, held) and heldout_split(rows, 8, seed=1) != (train, held)


def test_heldout_split_is_capped_at_a_fifth_and_can_be_off():
    rows = [_row(i, "non_thinking") for i in range(10)]
    assert len(heldout_split(rows, 8, seed=0)[1]) == 2
    assert heldout_split(rows, 0, seed=0) == (list(range(10)), [])
    assert heldout_split(rows[:4], 8, seed=0) == ([0, 1, 2, 3], [])  # too few rows to spare any


def test_loss_metrics_are_heldout_before_after_and_epoch_means():
    history = [{"loss": 2.0, "epoch": 0.5}, {"loss": 1.0, "epoch": 1.0}, {"loss": 0.8, "epoch": 1.5},
               {"loss": 0.4, "epoch": 2.0}, {"eval_loss": 0.9, "epoch": 2.0}, {"train_loss": 1.05, "epoch": 2.0}]
    m = loss_metrics(history, 1.23456, 0.98765)
    assert list(m)[:2] == ["heldout_loss_before", "heldout_loss_after"]  # what the console line shows first
    assert m == {"heldout_loss_before": 1.2346, "heldout_loss_after": 0.9877,
                 "train_loss_first_epoch": 1.5, "train_loss_last_epoch": 0.6}
    assert loss_metrics([{"loss": 3.0, "epoch": 0.25}, {"loss": 1.0, "epoch": 1.0}], None, None) == {
        "train_loss_first_epoch": 2.0, "train_loss_last_epoch": 2.0}
    assert loss_metrics([], None, None) == {}


def test_report_words_the_sft_loss():
    sft = {"status": "complete", "duration_s": 30.0, "started": 1.0,
           "metrics": {"heldout_loss_before": 1.234, "heldout_loss_after": 0.987, "heldout_rows": 8}}
    assert stage_note("sft", sft) == "held-out loss 1.234 → 0.987 (8 distilled rows not trained on)"
    epochs = {"metrics": {"train_loss_first_epoch": 1.5, "train_loss_last_epoch": 0.6}}
    assert stage_note("sft", epochs).startswith("training loss, epoch mean: first 1.5, last 0.6")
    assert stage_note("eval", sft) == ""
    assert durations({"sft": sft})[0]["note"].startswith("held-out loss")
