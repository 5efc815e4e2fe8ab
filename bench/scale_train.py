"""Training at scale (issue 24), measured on CPU: the share of weights one AdamW step keeps (fp32 master
weights with bf16 autocast vs the old pure-bf16 policy), and the peak memory of the V3.2 keep-sampling
mask computed over the whole (tokens, vocabulary) block vs in chunks of tokens.

    python -m bench.scale_train                          # tiny model + SmolLM2-135M; -> bench/results/scale_train.json
    python -m bench.scale_train --only precision --models tiny
    python -m bench.scale_train --only mask --tokens 2048 --vocab 49152

**Precision.** Each run builds the SFT trainer through posttrain's own builder (pipeline/stages/sft.py:
``train_spec`` -> ``build_trainer``, so the TrainingArguments and ``model_init_kwargs`` are the ones a run uses)
with ``training.dtype: bf16`` (fp32 master + bf16 autocast) or ``training.pure_bf16: true`` (the policy in
bfloat16, what ``bf16`` meant before), takes one optimizer step at lr 1e-6 and counts, among the weights whose
gradient was non-zero at that step, the share whose value changed.

**Mask memory.** ``sampler_log_probs`` over the whole block (the old path) and ``truncated_token_logps`` (the
chunked one) on random logits of the stated shape, forward + backward, each in its own subprocess; the peak is
the process's maxrss growth over the logits already allocated (resource.getrusage), so it counts every
temporary the path makes.

The JSON is merged into: other benches of issue 24 add their own keys to the same file; this one only
rewrites ``weights_changed_share``, ``weights_changed_share_pure_bf16``, ``precision`` and ``sampling_mask``.
Other helpers load the CPU at the same time; the numbers here are shares and memory, not timings.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULT = ROOT / "bench" / "results" / "scale_train.json"
ROWS = [{"prompt": [{"role": "user", "content": f"What is {i} + {i % 7}? Put the answer in \\boxed{{}}."}],
         "completion": [{"role": "assistant", "content": f"{i} + {i % 7} = {i + i % 7}, so \\boxed{{{i + i % 7}}}."}]}
        for i in range(8)]


def _grad_recorder() -> Any:
    """A TrainerCallback that records, just before the optimizer step, which weights have a non-zero gradient."""
    from transformers import TrainerCallback

    class GradMask(TrainerCallback):
        nonzero: dict[str, Any] = {}

        def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, model: Any = None, **_: Any) -> None:
            self.nonzero = {n: (p.grad != 0).cpu() for n, p in model.named_parameters() if p.grad is not None}

    return GradMask()


def weights_changed_share(model: str, out: Path, training: dict[str, Any], lr: float = 1e-6,
                          batch_size: int = 4, max_length: int = 64) -> dict[str, Any]:
    """One SFT optimizer step through posttrain's builder; the share of weights with a non-zero gradient that changed."""
    import torch
    from datasets import Dataset

    from pipeline.config import parse_config
    from pipeline.stages.sft import build_trainer, train_spec

    cfg = parse_config({"model": model, "output_dir": str(out), "domains": ["math"], "logging": {"report_to": []},
                        "training": training, "sft": {"learning_rate": lr, "batch_size": batch_size,
                                                      "max_length": max_length, "save_steps": 1000}})
    out.mkdir(parents=True, exist_ok=True)
    data = out / "rows.parquet"
    Dataset.from_list(ROWS[:batch_size]).to_parquet(str(data))
    recorder = _grad_recorder()
    trainer = build_trainer(train_spec(cfg, data, out), callbacks=[recorder])
    trainer.args.max_steps, trainer.args.save_strategy = 1, "no"
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    graded = changed = 0
    for n, p in trainer.model.named_parameters():
        if n in recorder.nonzero:
            mask = recorder.nonzero[n]
            graded += int(mask.sum())
            changed += int(((p.detach().cpu() != before[n].cpu()) & mask).sum())
    return {"share": changed / max(graded, 1), "weights_with_grad": graded, "weights_changed": changed,
            "param_dtype": str(next(trainer.model.parameters()).dtype).replace("torch.", ""),
            "bf16_autocast": bool(trainer.args.bf16), "lr": lr, "step": trainer.state.global_step}
