"""The model's shape, read from its ``config.json`` alone (never the weights), and its parameter count.

Where the config comes from, first found wins (``Arch.source`` says which):
1. ``plan.model_config``: a local config.json (or a folder holding one) the user points to;
2. the model itself when it is a local folder, an embedded alias already materialised, or a hub id whose
   config.json is in the local Hugging Face cache (no network: ``try_to_load_from_cache``);
3. the shipped table of well-known architectures (known.py).
Otherwise: a ConfigError naming ``plan.model_config``.

Parameter count: embeddings (+ an untied output head), per layer the attention projections (q, k, v, o with the
q/k/v bias Qwen2 has), the gated MLP (3 matrices) or, for MoE, every expert's 3 matrices plus the router, and the
norms. Multimodal wrappers (``text_config``) are read through their text model.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .known import known_config


@dataclass(frozen=True)
class Arch:
    """The shape numbers the memory estimator needs."""

    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    tied: bool
    experts: int = 0  # MoE experts per layer (0 = dense)
    experts_per_token: int = 0
    expert_intermediate: int = 0
    qkv_bias: bool = False
    source: str = ""

    @property
    def embed_params(self) -> int:
        return self.vocab * self.hidden * (1 if self.tied else 2)

    @property
    def attn_params(self) -> int:
        q, kv = self.heads * self.head_dim, self.kv_heads * self.head_dim
        bias = (q + 2 * kv) if self.qkv_bias else 0
        return self.hidden * (q + 2 * kv) + q * self.hidden + bias

    @property
    def mlp_params(self) -> int:
        if self.experts:
            return self.experts * 3 * self.hidden * self.expert_intermediate + self.hidden * self.experts
        return 3 * self.hidden * self.intermediate

    @property
    def layer_params(self) -> int:
        return self.attn_params + self.mlp_params + 2 * self.hidden

    @property
    def params(self) -> int:
        return self.embed_params + self.layers * self.layer_params + self.hidden

    def linear_shapes(self) -> dict[str, tuple[int, int]]:
        """(in, out) of each per-layer linear LoRA may target, by its HF module name."""
        q, kv, h = self.heads * self.head_dim, self.kv_heads * self.head_dim, self.hidden
        i = self.expert_intermediate if self.experts else self.intermediate
        return {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h),
                "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}


def arch_from_config(cfg: dict[str, Any], source: str) -> Arch:
    """An Arch from a config.json dict (Llama, Qwen2/3, Qwen3-MoE, Mixtral, Mistral and their relatives)."""
    cfg = {**cfg, **cfg.get("text_config", {})}
    try:
        h, heads = int(cfg["hidden_size"]), int(cfg["num_attention_heads"])
        experts = int(cfg.get("num_experts") or cfg.get("num_local_experts") or 0)
        return Arch(hidden=h, layers=int(cfg["num_hidden_layers"]), heads=heads,
                    kv_heads=int(cfg.get("num_key_value_heads") or heads),
                    head_dim=int(cfg.get("head_dim") or h // heads), intermediate=int(cfg["intermediate_size"]),
                    vocab=int(cfg["vocab_size"]), tied=bool(cfg.get("tie_word_embeddings", False)), experts=experts,
                    experts_per_token=int(cfg.get("num_experts_per_tok") or 0) if experts else 0,
                    expert_intermediate=int(cfg.get("moe_intermediate_size") or cfg["intermediate_size"]) if experts else 0,
                    qkv_bias=bool(cfg.get("attention_bias", cfg.get("model_type") == "qwen2")), source=source)
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError("plan.model_config", f"{source}: config.json lacks a decoder field the plan needs ({e}); "
                                               "point plan.model_config at the model's own config.json") from None


def _read(path: Path) -> dict[str, Any]:
    path = path / "config.json" if path.is_dir() else path
    return json.loads(path.read_text())


def _local_config(model: str) -> tuple[dict[str, Any], str] | None:
    """The model's own config.json when it is on this machine (folder, materialised alias, HF cache)."""
    from ..models import EMBEDDED, cache_dir

    path = Path(model).expanduser()
    if (path / "config.json").is_file():
        return _read(path), f"{path}/config.json"
    if model in EMBEDDED and (cache_dir() / "models" / model / "config.json").is_file():
        return _read(cache_dir() / "models" / model), f"embedded {model}"
    if "/" in model and not model.startswith((".", "/", "~")):
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(model, "config.json")
        if isinstance(hit, str):
            return _read(Path(hit)), f"HF cache {model}"
    return None


def load_arch(model: str, model_config: str | None = None) -> Arch:
    """The Arch of ``model`` (see the module docstring for the order of sources)."""
    if model_config:
        path = Path(model_config).expanduser()
        if not (path.is_file() or (path / "config.json").is_file()):
            raise ConfigError("plan.model_config", f"{model_config!r} is neither a config.json nor a folder holding one")
        return arch_from_config(_read(path), str(path))
    local = _local_config(model)
    if local:
        return arch_from_config(*local)
    known = known_config(model)
    if known:
        return arch_from_config(known[1], f"shipped table ({known[0]})")
    raise ConfigError("plan.model_config", f"no config.json for {model!r} on this machine and it is not in the shipped "
                                           "table; set plan.model_config to a local copy of the model's config.json")
