"""Keep Routing, part 3: the GRPO trainer's side (used by pipeline/train/v32_loss.py's trainer).

    kr = RoutingReplay(model, source="trainer", check_every=10)  # source already resolved (keep_routing.py)
    kr.attach(trainer, batch)        # in _generate_and_score_completions: routes travel with the batch
    kr.replay(trainer, inputs, ...)  # in the loss's forward: each micro-batch replays its rows' routes

The generation batch gets ``routed_experts`` (B, P + C, layers, top_k) int16 in host memory (-1 = route freely) and
``routing_source_logps`` (B, C), the log-probs of the pass that produced the routes (the engine's
sampling log-probs, or the trainer's recording pass). Like the engine log-probs and the sampling mask
they are batch-first tensors, so TRL's shuffle and split into micro-batches (gradient accumulation,
``steps_per_generation``, ``num_iterations``) keep them with their rows. Source ``trainer`` records in
one no-grad pass at the weights the batch was sampled with, right after generation, and every later
gradient pass over the batch (every micro-batch, iteration and off-policy step) replays them.

Resume: TRL keeps the generation batch in memory only; a run resumed mid-stage regenerates its batch
(``_buffered_inputs`` is None after a restart), and the routes are recorded again with it, by the same
source, so a resumed step never trains a batch without its routes.

Logged (``keep_routing/*``): ``logp_gap_replay`` every step = mean |log pi_train - log pi_source| over
the loss tokens with replay; at steps divisible by ``check_every`` a no-grad side pass *without* replay
gives ``logp_gap_free`` (the same gap), ``route_mismatch`` (share of token x MoE-layer pairs whose top-k
expert set differs from the source's) and ``token_mismatch`` (share of loss tokens with any layer
differing). Padding and prompt tokens follow the loss mask: they are replayed where recorded, never counted.
"""
from __future__ import annotations

import logging
from typing import Any

from .keep_routing import ReplayRoutes, batch_routes, route_mismatch
from .keep_routing_record import RouteRecorder, find_routers, unsupported_moe

log = logging.getLogger(__name__)


class RoutingReplay:
    """Keep Routing state of one trainer; ``source`` is off / engine / trainer (auto already resolved)."""

    def __init__(self, model: Any, source: str, check_every: int = 10):
        self.routers = find_routers(model) if source != "off" else []
        if source != "off" and not self.routers:
            if unsupported_moe(model):
                log.warning("keep routing: %s has routed experts but no router keep routing knows "
                            "(pipeline/train/keep_routing_record.py ROUTER_RULES); routes are not replayed",
                            type(model).__name__)
            else:
                log.info("keep routing: %s is dense (no MoE router); the setting has no effect", type(model).__name__)
        self.source = source if self.routers else "off"
        if self.active:
            log.info("keep routing: %s source, %d MoE layers (%s)", self.source, len(self.routers),
                     type(self.routers[0]).__name__)
        self.check_every = check_every
        self._checked_step = -1

    @property
    def active(self) -> bool:
        return self.source != "off"

    def attach(self, trainer: Any, out: dict[str, Any]) -> None:
        """Add the batch's routes (and the source's log-probs) to a generation batch ``out``."""
        if not self.active:
            return
        pm, cm = out["prompt_mask"], out["completion_mask"]
        if self.source == "engine":
            per_seq = getattr(trainer.rollout_func, "last_routes", None)
            if not per_seq or all(r is None for r in per_seq):
                raise RuntimeError("grpo.keep_routing=engine: the rollout engine returned no expert routes")
            routes, src = batch_routes(per_seq, pm, cm), out.get("sampling_per_token_logps")
        else:
            ids = _full(out["prompt_ids"], out["completion_ids"])
            src, routes = self.record(trainer, trainer.model, ids, _full(pm, cm), cm.size(1),
                                      trainer.args.per_device_train_batch_size)
        out["routed_experts"] = routes.cpu()  # host memory: (B, T, layers, top_k) int16 is large at scale; replay
        # moves one layer's rows to the device at a time
        if src is not None:
            out["routing_source_logps"] = src

    def record(self, trainer: Any, model: Any, input_ids: Any, attention_mask: Any, logits_to_keep: int,
               batch_size: int | None) -> tuple[Any, Any]:
        """One no-grad pass: (log-probs (B, C), routes (B, T, layers, top_k); -1 where attention is off)."""
        import torch

        with torch.no_grad(), RouteRecorder(self.routers) as rec:
            logps = trainer._logps(model, input_ids, attention_mask, logits_to_keep, batch_size=batch_size)[0]
        T = input_ids.size(1)
        routes = torch.cat([rec.tokens(c).view(-1, T, len(self.routers), rec.tokens(c).shape[-1])
                            for c in range(rec.num_calls)])
        routes[~attention_mask.cpu().bool()] = -1
        return logps, routes

    def replays(self, inputs: dict[str, Any] | None) -> bool:
        return self.active and inputs is not None and inputs.get("routed_experts") is not None

    def replay(self, trainer: Any, inputs: dict[str, Any], model: Any, input_ids: Any, attention_mask: Any,
               logits_to_keep: int, batch_size: int | None = None, compute_entropy: bool = False,
               compute_aux_loss: bool = False, **kwargs: Any) -> tuple[Any, Any, Any]:
        """The loss's forward with each row's recorded routes forced, chunk by chunk; logs the step's stats."""
        import torch

        if any(v is not None for v in kwargs.values()):
            raise ValueError("grpo.keep_routing supports text-only models; set it to off for this model")
        routes = inputs["routed_experts"]
        if routes.shape[1] != input_ids.size(1):
            raise RuntimeError(f"keep routing: routes cover {routes.shape[1]} positions, the batch {input_ids.size(1)}")
        step = batch_size or input_ids.size(0)
        parts = []
        for s in range(0, input_ids.size(0), step):
            with ReplayRoutes(self.routers, routes[s:s + step]):
                parts.append(trainer._logps(model, input_ids[s:s + step], attention_mask[s:s + step], logits_to_keep,
                                            batch_size=step, compute_entropy=compute_entropy,
                                            compute_aux_loss=compute_aux_loss))
        result = (torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]) if compute_entropy else None,
                  torch.stack([p[2] for p in parts]).mean() if compute_aux_loss else None)
        self._log(trainer, model, inputs, input_ids, attention_mask, logits_to_keep, result[0].detach())
        return result

    def _log(self, trainer: Any, model: Any, inputs: dict[str, Any], input_ids: Any, attention_mask: Any,
             logits_to_keep: int, replayed: Any) -> None:
        import torch

        mask = (inputs["completion_mask"] * inputs.get("tool_mask", 1)).float()
        src = inputs.get("routing_source_logps")
        stats = torch.zeros(6, device=mask.device)  # gap_replay, gap_free, pairs, tokens, n_tokens, n_pairs
        if src is not None:
            stats[0] = (torch.nan_to_num(replayed - src, nan=0.0).abs() * mask).sum()
        step = trainer.state.global_step
        check = self.check_every > 0 and step % self.check_every == 0 and step != self._checked_step
        if check:
            self._checked_step = step
            free, routes = self.record(trainer, model, input_ids, attention_mask, logits_to_keep, input_ids.size(0))
            if src is not None:
                stats[1] = (torch.nan_to_num(free - src, nan=0.0).abs() * mask).sum()
            full = torch.cat([torch.zeros_like(inputs["prompt_mask"]), mask.to(inputs["prompt_mask"].dtype)], 1).cpu()
            pairs, toks, n = route_mismatch(inputs["routed_experts"].cpu(), routes, full)
            stats[2:5] = torch.stack([pairs, toks, n]).float().to(mask.device)
            stats[5] = float(n) * len(self.routers)
        n_loss = trainer.accelerator.reduce(mask.sum(), reduction="sum").clamp(min=1.0)
        t = trainer.accelerator.reduce(stats, reduction="sum")
        metrics = trainer._metrics["train" if model.training else "eval"]
        if src is not None:
            metrics["keep_routing/logp_gap_replay"].append((t[0] / n_loss).item())
        if check:
            metrics["keep_routing/route_mismatch"].append((t[2] / t[5].clamp(min=1.0)).item())
            metrics["keep_routing/token_mismatch"].append((t[3] / t[4].clamp(min=1.0)).item())
            if src is not None:
                metrics["keep_routing/logp_gap_free"].append((t[1] / n_loss).item())


def _full(prompt: Any, completion: Any) -> Any:
    import torch

    return torch.cat([prompt, completion], dim=1)
