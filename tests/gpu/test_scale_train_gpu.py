"""On a GPU: fp32 master weights under bf16 autocast (training.dtype auto = bf16 on CUDA) keep a 1e-6 AdamW step
that the pure-bf16 policy loses, and the chunked keep-sampling mask at a Qwen-sized vocabulary needs a fraction of
the whole block's GPU memory with the same result.

    pytest -m gpu tests/gpu/test_scale_train_gpu.py
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.gpu


def test_auto_on_cuda_is_bf16_autocast_over_fp32_master_weights(tiny_model, tmp_path):
    from bench.scale_train import weights_changed_share

    mixed = weights_changed_share(str(tiny_model), tmp_path / "auto", {"dtype": "auto"})
    assert mixed["param_dtype"] == "float32" and mixed["bf16_autocast"] and mixed["share"] > 0.9
    pure = weights_changed_share(str(tiny_model), tmp_path / "pure", {"dtype": "auto", "pure_bf16": True})
    assert pure["param_dtype"] == "bfloat16" and pure["share"] < 0.1


def _peak(fn):
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    out = fn()
    torch.cuda.synchronize()
    return out, torch.cuda.max_memory_allocated() - base


def test_chunked_mask_on_cuda_at_a_152k_vocabulary():
    import torch

    from pipeline.train.v32_loss import sampler_log_probs, truncated_token_logps

    torch.manual_seed(0)
    logits = torch.empty(2, 1025, 151936, device="cuda", dtype=torch.bfloat16).normal_(0, 3)
    labels = torch.randint(0, 151936, (2, 1024), device="cuda")

    def whole():
        x = logits.clone().requires_grad_()
        lp = sampler_log_probs(x[:, :-1].float(), 1.0, 0, 0.9, labels).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        lp.sum().backward()
        return lp.detach(), x.grad

    def chunked():
        x = logits.clone().requires_grad_()
        lp, _ = truncated_token_logps(x, labels, 1.0, 0, 0.9, 256)
        lp.sum().backward()
        return lp.detach(), x.grad

    (lp0, g0), peak0 = _peak(whole)
    (lp1, g1), peak1 = _peak(chunked)
    print(f"peak GPU memory: whole {peak0 / 2**30:.2f} GiB, chunked {peak1 / 2**30:.2f} GiB")
    assert torch.equal(lp0, lp1) and torch.allclose(g0.float(), g1.float(), atol=1e-2)
    assert peak1 < 0.3 * peak0
