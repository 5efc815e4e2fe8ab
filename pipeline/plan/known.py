"""A small shipped table of well-known architectures, for a memory plan on a machine that cannot reach the hub.

Each entry is the subset of the model's ``config.json`` the estimator reads, copied from the published
configs (Qwen2.5 0.5B-72B, Llama 3.1/3.2/3.3, Qwen3 dense and MoE, Mixtral, SmolLM2-135M). Keys are hub ids,
matched case-insensitively, with or without ``-Instruct``/``-Base`` suffixes (same architecture).
tests/unit/pipeline/plan/test_arch.py checks that the parameter count computed from each entry matches the
published size.
"""
from __future__ import annotations

from typing import Any


def _qwen25(h: int, i: int, n: int, heads: int, kv: int, vocab: int, tied: bool) -> dict[str, Any]:
    return {"model_type": "qwen2", "hidden_size": h, "intermediate_size": i, "num_hidden_layers": n,
            "num_attention_heads": heads, "num_key_value_heads": kv, "vocab_size": vocab, "tie_word_embeddings": tied}


def _llama(h: int, i: int, n: int, heads: int, kv: int, tied: bool, vocab: int = 128256) -> dict[str, Any]:
    return {"model_type": "llama", "hidden_size": h, "intermediate_size": i, "num_hidden_layers": n,
            "num_attention_heads": heads, "num_key_value_heads": kv, "vocab_size": vocab, "tie_word_embeddings": tied}


def _qwen3(h: int, i: int, n: int, heads: int, kv: int, tied: bool, **moe: int) -> dict[str, Any]:
    cfg = {"model_type": "qwen3_moe" if moe else "qwen3", "hidden_size": h, "intermediate_size": i,
           "num_hidden_layers": n, "num_attention_heads": heads, "num_key_value_heads": kv, "head_dim": 128,
           "vocab_size": 151936, "tie_word_embeddings": tied}
    return {**cfg, **moe}


KNOWN: dict[str, dict[str, Any]] = {
    "qwen/qwen2.5-0.5b": _qwen25(896, 4864, 24, 14, 2, 151936, True),
    "qwen/qwen2.5-1.5b": _qwen25(1536, 8960, 28, 12, 2, 151936, True),
    "qwen/qwen2.5-3b": _qwen25(2048, 11008, 36, 16, 2, 151936, True),
    "qwen/qwen2.5-7b": _qwen25(3584, 18944, 28, 28, 4, 152064, False),
    "qwen/qwen2.5-14b": _qwen25(5120, 13824, 48, 40, 8, 152064, False),
    "qwen/qwen2.5-32b": _qwen25(5120, 27648, 64, 40, 8, 152064, False),
    "qwen/qwen2.5-72b": _qwen25(8192, 29568, 80, 64, 8, 152064, False),
    "meta-llama/llama-3.2-1b": _llama(2048, 8192, 16, 32, 8, True),
    "meta-llama/llama-3.2-3b": _llama(3072, 8192, 28, 24, 8, True),
    "meta-llama/llama-3.1-8b": _llama(4096, 14336, 32, 32, 8, False),
    "meta-llama/meta-llama-3.1-8b": _llama(4096, 14336, 32, 32, 8, False),
    "meta-llama/llama-3.1-70b": _llama(8192, 28672, 80, 64, 8, False),
    "meta-llama/meta-llama-3.1-70b": _llama(8192, 28672, 80, 64, 8, False),
    "meta-llama/llama-3.3-70b": _llama(8192, 28672, 80, 64, 8, False),
    "qwen/qwen3-0.6b": _qwen3(1024, 3072, 28, 16, 8, True),
    "qwen/qwen3-1.7b": _qwen3(2048, 6144, 28, 16, 8, True),
    "qwen/qwen3-4b": _qwen3(2560, 9728, 36, 32, 8, True),
    "qwen/qwen3-8b": _qwen3(4096, 12288, 36, 32, 8, False),
    "qwen/qwen3-14b": _qwen3(5120, 17408, 40, 40, 8, False),
    "qwen/qwen3-32b": _qwen3(5120, 25600, 64, 64, 8, False),
    "qwen/qwen3-30b-a3b": _qwen3(2048, 6144, 48, 32, 4, False, num_experts=128, num_experts_per_tok=8,
                                 moe_intermediate_size=768),
    "qwen/qwen3-235b-a22b": _qwen3(4096, 12288, 94, 64, 4, False, num_experts=128, num_experts_per_tok=8,
                                   moe_intermediate_size=1536),
    "mistralai/mixtral-8x7b-v0.1": {"model_type": "mixtral", "hidden_size": 4096, "intermediate_size": 14336,
                                    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
                                    "vocab_size": 32000, "tie_word_embeddings": False, "num_local_experts": 8,
                                    "num_experts_per_tok": 2},
    "huggingfacetb/smollm2-135m": _llama(576, 1536, 30, 9, 3, True, vocab=49152),
    "smollm2-135m-instruct": _llama(576, 1536, 30, 9, 3, True, vocab=49152),  # the embedded alias (pipeline/models.py)
}

_SUFFIXES = ("-instruct", "-base", "-chat", "-it")


def known_config(model: str) -> tuple[str, dict[str, Any]] | None:
    """``(table key, config subset)`` for a well-known hub id (suffixes like -Instruct ignored), else None."""
    key = model.strip().lower().rstrip("/")
    for suffix in ("",) + _SUFFIXES:
        if suffix and key.endswith(suffix):
            key = key[: -len(suffix)]
        if key in KNOWN:
            return key, KNOWN[key]
    return None
