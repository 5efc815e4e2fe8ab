"""Build a tiny real mixture-of-experts model (Qwen3-MoE or Mixtral) + byte-level BPE tokenizer locally.

The keep-routing tests need a transformers MoE whose routers choose top-k experts per token. Same
tokenizer recipe as tests/tiny_model.py (trained on its corpus, same chat template). The tokenizer is saved
with ``tokenizer_class: PreTrainedTokenizerFast`` so AutoTokenizer does not swap in the model type's own
class (DESIGN.md: with a Qwen2 config transformers 5 replaces it and ids stop matching tokenizer.json);
tests/unit/pipeline/train/test_keep_routing.py checks the ids round-trip for both kinds.

    path = build_tiny_moe(tmp / "moe", kind="qwen3_moe")   # or kind="mixtral"
"""
from __future__ import annotations

import json
from pathlib import Path

from tests.tiny_model import build_tokenizer


def _config(kind: str, tok, hidden: int, layers: int, experts: int, top_k: int):
    from transformers import MixtralConfig, Qwen3MoeConfig

    common = dict(vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                  num_key_value_heads=2, max_position_embeddings=512, eos_token_id=tok.eos_token_id,
                  pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id, tie_word_embeddings=False,
                  initializer_range=0.2, num_experts_per_tok=top_k)
    if kind == "qwen3_moe":
        return Qwen3MoeConfig(**common, intermediate_size=hidden * 2, moe_intermediate_size=hidden, num_experts=experts,
                              norm_topk_prob=True, head_dim=hidden // 2)
    if kind == "mixtral":
        return MixtralConfig(**common, intermediate_size=hidden, num_local_experts=experts)
    raise ValueError(f"kind={kind!r}: use qwen3_moe or mixtral")


def build_tiny_moe(out: Path, kind: str = "qwen3_moe", seed: int = 0, hidden: int = 64, layers: int = 2,
                   experts: int = 8, top_k: int = 2, vocab: int = 400) -> Path:
    import torch
    from transformers import AutoModelForCausalLM

    out = Path(out)
    if (out / "config.json").exists():
        return out
    tok = build_tokenizer(vocab)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(_config(kind, tok, hidden, layers, experts, top_k))
    with torch.no_grad():  # routers start at zero in some models: give them spread so top-k is decided
        for name, p in model.named_parameters():
            if name.endswith("gate.weight") or name.endswith("router.weight"):
                p.normal_(0.0, 0.5)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    cfg_path = out / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    cfg_path.write_text(json.dumps(cfg, indent=2))
    return out
