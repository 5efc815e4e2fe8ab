"""Weight sync buckets (issue 25.4): a stream of (name, tensor) is cut into buckets of the configured size,
lazily (one bucket held at a time), never splitting a decoder layer when asked not to."""
from __future__ import annotations

import torch

from pipeline.rollout.weight_stream import buckets, layer_key, named_tensors


def _stream(n, size=256, pulled=None):
    for i in range(n):
        if pulled is not None:
            pulled.append(i)
        yield f"model.layers.{i // 2}.mlp.w{i % 2}.weight", torch.zeros(size)  # 1 KiB each


def test_buckets_hold_about_the_size_and_are_lazy():
    pulled = []
    it = buckets(named_tensors(_stream(10, pulled=pulled)), bucket_mb=3 / 1024)  # 3 KiB
    first = next(it)
    assert [n for n, _ in first] == [f"model.layers.{i // 2}.mlp.w{i % 2}.weight" for i in range(3)]
    assert pulled == [0, 1, 2, 3]  # the 4th tensor was read to see the bucket is full; no more
    sizes = [len(b) for b in [first, *it]]
    assert sizes == [3, 3, 3, 1]


def test_big_tensor_goes_alone_and_layers_stay_whole():
    named = [("a.weight", torch.zeros(10)), ("b.weight", torch.zeros(10_000)), ("c.weight", torch.zeros(10))]
    assert [[n for n, _ in b] for b in buckets(named, bucket_mb=1 / 1024)] == [["a.weight"], ["b.weight"], ["c.weight"]]
    by_layer = [[n for n, _ in b] for b in buckets(named_tensors(_stream(6)), 1 / 1024, boundary=layer_key)]
    assert by_layer == [[f"model.layers.{k}.mlp.w0.weight", f"model.layers.{k}.mlp.w1.weight"] for k in range(3)]


def test_named_tensors_takes_dicts_and_iterables_and_detaches():
    p = torch.nn.Parameter(torch.ones(2))
    out = list(named_tensors({"x": p})) + list(named_tensors(iter([("y", p)])))
    assert [n for n, _ in out] == ["x", "y"] and not any(t.requires_grad for _, t in out)
    assert layer_key("model.layers.12.self_attn.q_proj.weight") == "model.layers.12"
    assert layer_key("model.embed_tokens.weight") == "model.embed_tokens" and layer_key("lm_head.weight") == "lm_head"
