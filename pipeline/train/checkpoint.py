"""The one checkpoint saver, shared by GRPO (pipeline/train/grpo.py) and SFT (pipeline/stages/sft.py).

Writes ``<out>/checkpoint/``: the full HF model (safetensors) and its tokenizer, built in
``<out>/.checkpoint.tmp`` and renamed into place, so a reader never finds a half-written
checkpoint. A PEFT model also keeps its adapter (with the tokenizer) in ``<out>/adapter/``
and is merged into the base weights for the checkpoint, unless ``merge=False``, which writes
the adapter only. A model sharded by FSDP2 is saved by ``sharded_save.save_sharded`` instead: every rank
must call ``save_checkpoint`` then (each gathers its share), and rank 0 writes the same layout.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def save_checkpoint(trainer: Any, out: Path, merge: bool = True) -> dict[str, str]:
    """Save the trainer's model; returns ``{"adapter": path}`` (LoRA) and/or ``{"checkpoint": path}``."""
    out = Path(out)
    model = trainer.accelerator.unwrap_model(trainer.model)
    from .sharded_save import is_sharded, save_sharded

    if is_sharded(model):
        return save_sharded(model, trainer.processing_class, out, merge=merge)
    saved: dict[str, str] = {}
    if hasattr(model, "merge_and_unload"):
        model.save_pretrained(out / "adapter")
        trainer.processing_class.save_pretrained(out / "adapter")
        saved["adapter"] = str(out / "adapter")
        if not merge:
            return saved
        model = model.merge_and_unload()
    final, tmp = out / "checkpoint", out / ".checkpoint.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    trainer.processing_class.save_pretrained(tmp)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    saved["checkpoint"] = str(final)
    return saved
