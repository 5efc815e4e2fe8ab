"""Save a policy whose parameters are FSDP2-sharded (DTensor): every rank gathers, rank 0 writes.

    if is_sharded(model):                      # on EVERY rank, never only on the main process
        save_sharded(model, tokenizer, out, merge=True)

``save_pretrained`` on a sharded model would serialize DTensor shards (or hang: the gather is a
collective). Here each parameter is all-gathered in turn by ``weights.iter_policy_weights`` (LoRA
merged from the gathered matrices), rank 0 alone keeps the full tensors on CPU and writes the HF
folder with ``save_pretrained(state_dict=...)``; other ranks drop each tensor as soon as it is
gathered. For LoRA the adapter (small) is gathered the same way and written with PEFT's own
``save_pretrained``. The folder layout is the one ``checkpoint.save_checkpoint`` writes
(``checkpoint/`` built in ``.checkpoint.tmp`` and renamed, ``adapter/``).
Departure from accelerate: accelerate's FSDP2 save gathers the state dict with
``get_model_state_dict(full_state_dict=True, cpu_offload=True)``, which cannot merge LoRA; ours can.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .weights import full_tensor, iter_policy_weights


def is_sharded(model: Any) -> bool:
    """True when any parameter is a DTensor (FSDP2 ``fully_shard`` or tensor parallel)."""
    from torch.distributed.tensor import DTensor

    return any(isinstance(p, DTensor) for p in model.parameters())


def is_main_rank() -> bool:
    import torch.distributed as dist

    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def gather_full_state(model: Any, keep: bool) -> dict[str, Any]:
    """HF-named full weights (LoRA merged), on CPU where ``keep``; every rank must call it."""
    state: dict[str, Any] = {}
    for name, t in iter_policy_weights(model):
        if keep:
            state[name] = t.detach().to("cpu", copy=True)
    return state


def gather_adapter_state(model: Any, keep: bool) -> dict[str, Any]:
    """The LoRA adapter tensors under PEFT's own state_dict names; every rank must call it."""
    state: dict[str, Any] = {}
    for name, t in model.state_dict().items():
        if "lora_" in name:
            full = full_tensor(t)
            if keep:
                state[name] = full.to("cpu", copy=True)
    return state


def _base_model(model: Any) -> Any:
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def save_sharded(model: Any, tokenizer: Any, out: Path, merge: bool = True) -> dict[str, str]:
    """Gather on every rank, write on rank 0; returns the saved paths (the same on every rank)."""
    import torch.distributed as dist

    out, main = Path(out), is_main_rank()
    saved: dict[str, str] = {}
    if hasattr(model, "merge_and_unload"):
        adapter = gather_adapter_state(model, keep=main)
        if main:
            model.save_pretrained(out / "adapter", state_dict=adapter)
            if tokenizer is not None:
                tokenizer.save_pretrained(out / "adapter")
        saved["adapter"] = str(out / "adapter")
        if not merge:
            return saved
    state = gather_full_state(model, keep=main)
    final, tmp = out / "checkpoint", out / ".checkpoint.tmp"
    if main:
        shutil.rmtree(tmp, ignore_errors=True)
        _base_model(model).save_pretrained(tmp, state_dict=state, safe_serialization=True)
        if tokenizer is not None:
            tokenizer.save_pretrained(tmp)
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
    saved["checkpoint"] = str(final)
    return saved
