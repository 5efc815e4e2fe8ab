"""Weights as a stream of ``(hf_name, tensor)`` pairs, cut into buckets of about ``rollout.sync_bucket_mb``.

Every engine's ``sync_weights`` takes a mapping (a state dict) or any iterable of pairs, such as
pipeline/train/weights.py's ``iter_policy_weights(model)``, which gathers one full parameter at a time
under FSDP. Nothing here materialises the whole model: ``buckets`` holds one bucket at a time, so a
sync's extra memory is one bucket (plus whatever the engine keeps), not a second full copy.

    for bucket in buckets(named_tensors(weights), bucket_mb=256):
        ship(bucket)                              # a list of (name, tensor), about 256 MB
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

Named = tuple[str, Any]


def named_tensors(weights: Mapping[str, Any] | Iterable[Named]) -> Iterator[Named]:
    """The pairs of a state dict or of an iterable of pairs, detached, one at a time."""
    items = weights.items() if isinstance(weights, Mapping) else weights
    for name, tensor in items:
        yield name, tensor.detach()


def tensor_bytes(tensor: Any) -> int:
    return tensor.numel() * tensor.element_size()


def layer_key(name: str) -> str:
    """The decoder layer (``model.layers.3``) or top-level module (``model.embed_tokens``) a weight is in."""
    parts = name.split(".")
    for i, part in enumerate(parts[:-1]):
        if part.isdigit():
            return ".".join(parts[: i + 1])
    return ".".join(parts[:-1]) or name


def buckets(named: Iterable[Named], bucket_mb: float,
            boundary: Callable[[str], str] | None = None) -> Iterator[list[Named]]:
    """Consecutive pairs grouped so each group holds about ``bucket_mb`` MB; a larger tensor goes alone.
    With ``boundary`` (e.g. ``layer_key``) a bucket is only cut where that key changes, so no group
    of weights that must load together (a layer's q/k/v) is split; a bucket may then exceed the size."""
    limit = max(1, int(bucket_mb * 2**20))
    bucket: list[Named] = []
    size, key = 0, None
    for name, tensor in named:
        nbytes, here = tensor_bytes(tensor), boundary(name) if boundary else name
        if bucket and size + nbytes > limit and here != key:
            yield bucket
            bucket, size = [], 0
        bucket.append((name, tensor))
        size, key = size + nbytes, here
    if bucket:
        yield bucket


def to_cpu(bucket: list[Named]) -> list[Named]:
    """A bucket with its tensors on the CPU (for shipping through Ray's object store)."""
    return [(name, tensor.cpu()) for name, tensor in bucket]
