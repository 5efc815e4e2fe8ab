"""The keep-sampling mask computed in blocks of tokens (v32_loss.truncated_token_logps) equals the whole-block
computation (sampler_log_probs over every token, then gather), forward, entropy and gradient, for top-k, top-p and
both, fp32 and bf16 logits, any block size; and it needs far less memory (measured in subprocesses by
bench/scale_train.py, which records the full-size numbers)."""
from __future__ import annotations

import pytest

from pipeline.train.v32_loss import sampler_log_probs, truncated_token_logps


def _whole(logits, labels, temperature, top_k, top_p):
    """The path before chunking (pipeline/train/v32_loss.py until this change), on the same (B, T+1, V) logits."""
    import torch

    lp = sampler_log_probs(logits[:, :-1].float(), temperature, top_k, top_p, labels)
    ent = -torch.where(torch.isfinite(lp), lp.exp() * lp, torch.zeros_like(lp)).sum(-1).detach()
    return lp.gather(-1, labels.unsqueeze(-1)).squeeze(-1), ent


def _both(base, labels, weights, chunk, temperature, top_k, top_p):
    out = []
    for fn in (lambda x: _whole(x, labels, temperature, top_k, top_p),
               lambda x: truncated_token_logps(x, labels, temperature, top_k, top_p, chunk)):
        x = base.clone().requires_grad_()
        lp, ent = fn(x)
        (lp * weights).sum().backward()
        out.append((lp.detach(), ent, x.grad))
    return out


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("top_k,top_p", [(0, 0.7), (5, 1.0), (8, 0.9), (0, 1.0)])
def test_chunked_mask_equals_the_whole_block(dtype, top_k, top_p):
    import torch

    torch.manual_seed(0)
    base = (torch.randn(3, 12, 60) * 3).to(getattr(torch, dtype))
    labels, weights = torch.randint(0, 60, (3, 11)), torch.randn(3, 11)
    for chunk in (1, 4, 11, 12, 25, 1000):  # pieces of a row, whole rows, several rows, everything at once
        (lp0, ent0, g0), (lp1, ent1, g1) = _both(base, labels, weights, chunk, 0.8, top_k, top_p)
        assert torch.equal(lp0, lp1) and torch.equal(ent0, ent1)
        assert g1.dtype == g0.dtype and (g1[:, -1] == 0).all()  # the last position predicts nothing
        assert torch.allclose(g0.float(), g1.float(), atol=1e-6, rtol=1e-5)
        assert not lp1.isinf().any() and (lp1 <= 0).all()  # every label stays in the kept set


def test_chunked_mask_on_the_tiny_models_logits(tiny_model):
    """Real logits (peaked, from the tiny Llama) through both paths, with a wide nucleus."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    ids = torch.tensor([[5, 9, 17, 33, 40, 41, 7, 12], [3, 4, 5, 6, 7, 8, 9, 10]])
    with torch.no_grad():
        logits = model(ids).logits / 0.05
    (lp0, ent0, g0), (lp1, ent1, g1) = _both(logits, ids[:, 1:], torch.ones(2, 7), 3, 1.0, 0, 0.9)
    assert torch.equal(lp0, lp1) and torch.equal(ent0, ent1) and torch.allclose(g0, g1, atol=1e-6)


def test_chunk_size_is_validated_and_configured():
    import torch

    from pipeline.config import parse_config
    from pipeline.train.grpo import v32_options

    with pytest.raises(ValueError, match="sampling_mask_chunk_tokens=0"):
        truncated_token_logps(torch.zeros(1, 2, 4), torch.zeros(1, 1, dtype=torch.long), 1.0, 0, 0.9, 0)
    cfg = parse_config({"domains": ["math"], "grpo": {"sampling_mask_chunk_tokens": 64}})
    assert v32_options(cfg).mask_chunk_tokens == 64
    assert v32_options(parse_config({"domains": ["math"]})).mask_chunk_tokens == 256


@pytest.mark.slow
def test_chunked_mask_peak_memory_is_a_fraction_of_the_whole_block():
    """Forward + backward at 1,024 tokens x 16,384 vocabulary (64 MB of fp32 logits), each path in a fresh process
    (measured here: 464 MB whole, 129 MB in blocks of 64 tokens, of which 64 MB is the logits' own gradient)."""
    from bench.scale_train import mask_peak_memory

    whole = mask_peak_memory("whole", 1024, 16384, chunk=64)
    chunked = mask_peak_memory("chunked", 1024, 16384, chunk=64)
    assert whole["checksum"] == chunked["checksum"]
    assert chunked["peak_mb"] < 0.5 * whole["peak_mb"], (whole, chunked)
