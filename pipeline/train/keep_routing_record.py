"""Keep Routing, part 1: find the MoE routers of a transformers model and record the experts they pick.

transformers 5.19 gives each MoE block a router module (``*TopKRouter`` / ``*TopkRouter``) whose forward
returns ``(router_logits, top_k_weights, top_k_indices)`` and hands the last two to the experts. A
forward hook on that module reads the indices (recording, here) or replaces both (replay,
pipeline/train/keep_routing.py), so no model code is patched and any experts kernel still runs.

    routers = find_routers(model)                 # [] for a dense model
    with RouteRecorder(routers) as rec:
        model(input_ids)
    routes = rec.tokens(0)                        # (tokens, layers, top_k) int16 of the first forward call

Routes of one sequence are an int array ``(tokens, layers, top_k)``, vLLM's ``routed_experts`` layout;
-1 marks a token with no recorded route (it routes freely on replay). Supported routers and their gate
rule (what replay must recompute from the router logits over the recorded experts) are in
``ROUTER_RULES``; tests/unit/pipeline/train/test_keep_routing_rules.py checks each rule against the
router's own output. A model whose config says MoE but whose router is not listed is reported by
``unsupported_moe`` (keep routing then does nothing for it, with a warning).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GateRule:
    """How a router turns logits into the weights of its chosen experts (read from each router's source)."""

    score: str = "softmax"  # softmax over all experts, or sigmoid per expert
    renorm: str = "config"  # always | config (router.norm_topk_prob) : divide by the chosen weights' sum
    cast: bool = True  # cast the weights back to the logits' dtype
    eps: float = 0.0  # added to the renormalising sum (DeepSeek-V3: 1e-20)
    scaled: bool = False  # multiply by router.routed_scaling_factor (DeepSeek-V3)


_SOFTMAX = GateRule()
_SOFTMAX_RENORM = GateRule(renorm="always")
_SOFTMAX_RENORM_FLOAT = GateRule(renorm="always", cast=False)
_SIGMOID_GROUPED = GateRule(score="sigmoid", cast=False, eps=1e-20, scaled=True)

# router class name -> its gate rule (transformers 5.19)
ROUTER_RULES: dict[str, GateRule] = {
    "Qwen3MoeTopKRouter": _SOFTMAX, "Qwen2MoeTopKRouter": _SOFTMAX, "OlmoeTopKRouter": _SOFTMAX,
    "FlexOlmoTopKRouter": _SOFTMAX, "Qwen3NextTopKRouter": _SOFTMAX,
    "Qwen3VLMoeTextTopKRouter": _SOFTMAX_RENORM, "Qwen3_5MoeTopKRouter": _SOFTMAX_RENORM,
    "MixtralTopKRouter": _SOFTMAX_RENORM_FLOAT, "MiniMaxTopKRouter": _SOFTMAX_RENORM_FLOAT,
    "DeepseekV3TopkRouter": _SIGMOID_GROUPED, "Glm4MoeTopkRouter": _SIGMOID_GROUPED,
}


def find_routers(model: Any) -> list[Any]:
    """The supported router modules of ``model`` in layer order (module registration order); [] if dense."""
    return [m for m in model.modules() if type(m).__name__ in ROUTER_RULES]


def unsupported_moe(model: Any) -> bool:
    """True for a model whose config declares routed experts but has no router keep routing knows."""
    cfg = getattr(model, "config", None)
    cfg = getattr(cfg, "get_text_config", lambda: cfg)() if cfg is not None else None
    return bool(getattr(cfg, "num_experts_per_tok", 0)) and not find_routers(model)


class RouteRecorder:
    """Context manager: forward hooks on ``routers`` keep each call's top-k indices (on CPU, int16).

    A hook registered after a replay hook sees the replayed indices (hooks chain their outputs)."""

    def __init__(self, routers: list[Any]):
        self.routers = list(routers)
        self.calls: list[list[Any]] = [[] for _ in self.routers]
        self._handles: list[Any] = []

    def __enter__(self) -> "RouteRecorder":
        self._handles = [r.register_forward_hook(self._hook(i)) for i, r in enumerate(self.routers)]
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def _hook(self, layer: int) -> Any:
        import torch

        def hook(_module: Any, _args: Any, out: Any) -> None:
            self.calls[layer].append(out[2].detach().to("cpu", torch.int16))

        return hook

    @property
    def num_calls(self) -> int:
        return len(self.calls[0]) if self.calls else 0

    def tokens(self, call: int) -> Any:
        """(tokens, layers, top_k) indices of forward call ``call`` (every router runs once per call)."""
        import torch

        return torch.stack([c[call] for c in self.calls], dim=1)


def generate_routes(rec: RouteRecorder, rows: int, width: int) -> Any:
    """Routes of one HF ``generate`` call as (rows, width + steps, layers, top_k): the prefill call over the
    left-padded (rows, width) prompts, then one call per decoded token (each feeds the token sampled
    before it; the last sampled token is never fed, so it has no route)."""
    import torch

    if rec.num_calls == 0:
        raise RuntimeError("keep routing: the routers did not run during generate")
    first = rec.tokens(0)
    parts = [first.view(rows, width, *first.shape[1:])]
    parts += [rec.tokens(c).view(rows, 1, *first.shape[1:]) for c in range(1, rec.num_calls)]
    return torch.cat(parts, dim=1)


def fit_routes(routes: Any, length: int) -> Any:
    """``routes`` (tokens, layers, top_k) cut or padded with -1 to ``length`` tokens."""
    import torch

    if routes.shape[0] >= length:
        return routes[:length].clone()
    pad = torch.full((length - routes.shape[0], *routes.shape[1:]), -1, dtype=routes.dtype)
    return torch.cat([routes, pad])


def routes_from_vllm(routed_experts: Any, num_tokens: int) -> Any:
    """CUDA vLLM's ``CompletionOutput.routed_experts`` ([seq_len, layers, top_k], prompt and completion
    tokens from position 0) in our per-sequence layout for ``num_tokens`` = prompt + completion tokens."""
    import numpy as np
    import torch

    return fit_routes(torch.from_numpy(np.asarray(routed_experts).astype(np.int16)), num_tokens)
