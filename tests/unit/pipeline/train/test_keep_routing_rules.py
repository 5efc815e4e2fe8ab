"""Each router keep routing supports (transformers 5.19): replaying the router's own top-k through
``gate_weights`` gives back exactly its own weights (so the per-model gate rule in ROUTER_RULES is the
model's), in fp32 and bf16, with and without norm_topk_prob; replaying other experts keeps the gradient."""
from __future__ import annotations

import importlib

import pytest

from pipeline.train.keep_routing import ReplayRoutes, gate_weights
from pipeline.train.keep_routing_record import ROUTER_RULES, RouteRecorder

# router class -> (transformers model module, config class, extra config kwargs)
ROUTERS = {
    "Qwen3MoeTopKRouter": ("qwen3_moe", "Qwen3MoeConfig", {}),
    "Qwen2MoeTopKRouter": ("qwen2_moe", "Qwen2MoeConfig", {}),
    "OlmoeTopKRouter": ("olmoe", "OlmoeConfig", {}),
    "FlexOlmoTopKRouter": ("flex_olmo", "FlexOlmoConfig", {}),
    "Qwen3NextTopKRouter": ("qwen3_next", "Qwen3NextConfig", {}),
    "Qwen3VLMoeTextTopKRouter": ("qwen3_vl_moe", "Qwen3VLMoeTextConfig", {}),
    "Qwen3_5MoeTopKRouter": ("qwen3_5_moe", "Qwen3_5MoeTextConfig", {}),
    "MixtralTopKRouter": ("mixtral", "MixtralConfig", {}),
    "MiniMaxTopKRouter": ("minimax", "MiniMaxConfig", {}),
    "DeepseekV3TopkRouter": ("deepseek_v3", "DeepseekV3Config", {"n_routed_experts": 8, "n_group": 2, "topk_group": 1}),
    "Glm4MoeTopkRouter": ("glm4_moe", "Glm4MoeConfig", {"n_routed_experts": 8, "n_group": 2, "topk_group": 1}),
}


def _router(name: str, norm: bool, dtype):
    import torch
    import transformers

    module, config, extra = ROUTERS[name]
    cfg = getattr(transformers, config)(hidden_size=32, num_experts_per_tok=2, norm_topk_prob=norm, **extra)
    router = getattr(importlib.import_module(f"transformers.models.{module}.modeling_{module}"), name)(cfg)
    torch.manual_seed(0)
    with torch.no_grad():
        router.weight.normal_(0, 1.0)
    return router.to(dtype)


def test_every_rule_has_a_router_test():
    assert set(ROUTERS) == set(ROUTER_RULES)


@pytest.mark.parametrize("name", sorted(ROUTERS))
@pytest.mark.parametrize("norm", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_rule_reproduces_the_routers_own_weights(name, norm, dtype):
    import torch

    router = _router(name, norm, getattr(torch, dtype))
    hidden = torch.randn(24, 32).to(getattr(torch, dtype))
    logits, weights, idx = router(hidden)
    again = gate_weights(ROUTER_RULES[name], router, logits, idx)
    assert again.dtype == weights.dtype
    assert torch.equal(again, weights)


@pytest.mark.parametrize("name", ["Qwen3MoeTopKRouter", "MixtralTopKRouter", "DeepseekV3TopkRouter"])
def test_replay_forces_other_experts_and_keeps_the_router_gradient(name):
    import torch

    router = _router(name, True, torch.float32)
    hidden = torch.randn(6, 32)
    with torch.no_grad():
        _, _, own = router(hidden)
    forced = (own + 1) % router.num_experts  # different experts for every token
    forced[0] = -1  # token 0 has no recorded route: the router keeps its own choice
    with ReplayRoutes([router], forced.view(1, 6, 1, 2)), RouteRecorder([router]) as rec:
        logits, weights, idx = router(hidden)
    assert torch.equal(idx[1:], forced[1:]) and torch.equal(idx[0], own[0])
    assert torch.equal(rec.tokens(0)[:, 0].long(), idx)  # a recorder after the replay sees the forced experts
    weights.sum().backward() if name == "DeepseekV3TopkRouter" else (weights * torch.arange(2.0)).sum().backward()
    assert router.weight.grad is not None and router.weight.grad.abs().sum() > 0
