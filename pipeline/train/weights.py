"""Stream the policy's full weights one parameter at a time, HF-named, LoRA merged.

    for name, tensor in iter_policy_weights(model):   # every rank must iterate (FSDP2 gathers)
        engine_load(name, tensor)

What it does, per parameter, in ``state_dict`` order (so every rank walks the same sequence):

- **FSDP2**: a sharded parameter is a ``DTensor``; ``.full_tensor()`` all-gathers it. That is a
  collective, so *every rank* must drive the generator to the end, in lockstep, even ranks that throw
  the tensors away. Only one full parameter (plus, for LoRA, its two adapter matrices) is alive at a
  time, never a whole state dict.
- **Wrapper prefixes** are stripped: activation checkpointing (``_checkpoint_wrapped_module.``),
  FSDP1 (``_fsdp_wrapped_module.``), ``torch.compile`` (``_orig_mod.``), DDP (a leading ``module.``)
  and PEFT (a leading ``base_model.model.``; ``.base_layer``; ``modules_to_save.<adapter>``).
- **LoRA (PEFT)** is merged layer by layer: a LoRA layer yields ``W + scaling * B @ A`` under the base
  layer's name, computed from the gathered ``W``, ``A`` and ``B`` without touching the module (no
  ``merge_adapter``/``unmerge_adapter`` round trip, so nothing to undo when the consumer raises).
  Adapter tensors themselves are never yielded. ``changed_only=True`` pushes only what changed: the merged
  LoRA layers (and trainable parameters), not the frozen base.

The yielded tensor may be the live parameter (unsharded, no LoRA): consumers copy what they keep.
Peers: TRL's ``_sync_fsdp2_params_to_vllm`` streams ``full_tensor()`` per parameter the same way;
unlike TRL we merge LoRA from gathered matrices instead of merging the sharded module in place.
"""
from __future__ import annotations

from typing import Any, Iterator

_WRAPPER_SEGMENTS = ("_checkpoint_wrapped_module.", "_fsdp_wrapped_module.", "_orig_mod.")
_LEADING = ("module.", "base_model.model.")


def hf_name(name: str) -> str:
    """The HF checkpoint name of a parameter: wrapper segments and prefixes stripped."""
    for seg in _WRAPPER_SEGMENTS:
        name = name.replace(seg, "")
    changed = True
    while changed:
        changed = False
        for lead in _LEADING:
            if name.startswith(lead):
                name, changed = name[len(lead):], True
    return name.replace(".base_layer.", ".")


def full_tensor(t: Any) -> Any:
    """The whole tensor: a DTensor is all-gathered (a collective on every rank), a plain tensor returned."""
    from torch.distributed.tensor import DTensor

    t = t.detach()
    return t.full_tensor() if isinstance(t, DTensor) else t


def _is_lora_layer(mod: Any) -> bool:
    return hasattr(mod, "base_layer") and hasattr(mod, "lora_A") and hasattr(mod, "scaling")


def _lora_delta(mod: Any, adapter: str, weight: Any) -> Any:
    """``scaling * B @ A`` for one adapter of a LoRA Linear/Embedding layer, from gathered matrices (fp32)."""
    if getattr(mod, "use_dora", {}).get(adapter):
        raise NotImplementedError("DoRA adapters cannot be merged while streaming weights (lora.use_dora)")
    if adapter in mod.lora_A:
        a, b = full_tensor(mod.lora_A[adapter].weight).float(), full_tensor(mod.lora_B[adapter].weight).float()
        delta = b @ a
        if getattr(mod, "fan_in_fan_out", False):
            delta = delta.T
    else:  # LoRA on an embedding: A is (r, vocab), B is (hidden, r) as raw parameters
        a = full_tensor(mod.lora_embedding_A[adapter]).float()
        b = full_tensor(mod.lora_embedding_B[adapter]).float()
        delta = (b @ a).T
    if tuple(delta.shape) != tuple(weight.shape):
        raise NotImplementedError(f"LoRA layer of type {type(mod).__name__} cannot be merged while streaming "
                                  f"(delta {tuple(delta.shape)} vs weight {tuple(weight.shape)})")
    return delta * mod.scaling[adapter]


def _merged_lora(mod: Any, prefix: str, changed_only: bool) -> Iterator[tuple[str, Any]]:
    base = mod.base_layer
    adapters = [a for a in mod.active_adapters if a in mod.lora_A or a in getattr(mod, "lora_embedding_A", {})]
    for name, p in base._parameters.items():
        if p is None or (changed_only and name != "weight" and not p.requires_grad):
            continue
        t = full_tensor(p)
        if name == "weight" and adapters and not getattr(mod, "merged", False):
            merged = t.float()
            for adapter in adapters:
                merged = merged + _lora_delta(mod, adapter, t)
            t = merged.to(t.dtype)
        yield prefix + name, t
    if not changed_only:
        yield from _buffers(base, prefix)


def _buffers(mod: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    for name, b in mod._buffers.items():
        if b is not None and name not in mod._non_persistent_buffers_set:
            yield prefix + name, full_tensor(b)


def _walk(mod: Any, prefix: str, changed_only: bool) -> Iterator[tuple[str, Any]]:
    if _is_lora_layer(mod):
        yield from _merged_lora(mod, prefix, changed_only)
        return
    if hasattr(mod, "original_module") and hasattr(mod, "modules_to_save"):  # PEFT ModulesToSaveWrapper
        active = getattr(mod, "active_adapter", None)
        active = active[0] if isinstance(active, (list, tuple)) else active
        inner = mod.modules_to_save[active] if active in mod.modules_to_save else mod.original_module
        yield from _walk(inner, prefix, changed_only)
        return
    for name, p in mod._parameters.items():
        if p is not None and not name.startswith("lora_") and (p.requires_grad or not changed_only):
            yield prefix + name, full_tensor(p)
    if not changed_only:
        yield from _buffers(mod, prefix)
    for name, child in mod._modules.items():
        if child is not None and not name.startswith("lora_"):
            yield from _walk(child, prefix + name + ".", changed_only)


def iter_policy_weights(model: Any, changed_only: bool = False) -> Iterator[tuple[str, Any]]:
    """Yield ``(hf_name, full_tensor)`` for every weight of ``model`` (see the module docstring).

    Names and order match the unwrapped model's ``state_dict()`` (tied weights appear under both
    names, as there). Call it on every rank of an FSDP2 job and iterate to the end on each.
    ``changed_only``: only what training can change, i.e. trainable parameters and the merged weight of
    every LoRA layer (for LoRA: the adapted projections, not the frozen rest; full fine-tuning: everything
    but buffers). The engine already holds the others; every rank must pass the same value.
    """
    import torch

    with torch.no_grad():
        for name, t in _walk(model, "", changed_only):
            yield hf_name(name), t


def policy_state_dict(model: Any) -> dict[str, Any]:
    """All weights at once (tests and small models only; weight sync streams ``iter_policy_weights``)."""
    return dict(iter_policy_weights(model))
