"""The fixed probe batch that checks a weight sync took effect, and the log-prob gap it measures.

After a sync the engine and the trainer score the same few fixed token sequences (teacher forcing: the
log-prob of each token given the ones before it). If the engine serves the trainer's weights, the two
differ only by numerics (< 1e-5 nats per token in fp32, 0.03-0.05 with a 16-bit side); a sync that did
not take effect (the stale tied output head fixed in 079737b, a missing bucket, a wrong name) shows as
a much larger gap. pipeline/train/policy_sync.py runs the check; engines score with ``score_ids``.
"""
from __future__ import annotations

from typing import Any

PROBE_TEXTS = (
    "The capital of France is Paris. Two plus three equals five, and the sky is blue.",
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))",
    "Question: what is 12 times 7? Answer: 84. Explain each step briefly.",
)
FP32_MAX_GAP = 0.005
LOW_PRECISION_MAX_GAP = 0.15


def probe_ids(tokenizer: Any, max_tokens: int = 32) -> list[list[int]]:
    """Token ids of the probe texts (at most ``max_tokens`` each, at least 2)."""
    seqs = [tokenizer(text, add_special_tokens=False)["input_ids"][:max_tokens] for text in PROBE_TEXTS]
    return [s for s in seqs if len(s) >= 2]


def default_max_gap(engine_dtype: str, trainer_dtype: str) -> float:
    """The check's bound when rollout.sync_check_max_gap is unset: above the normal gap of the precision."""
    full = {"auto", "fp32", "float32"}
    return FP32_MAX_GAP if engine_dtype in full and trainer_dtype in full else LOW_PRECISION_MAX_GAP


def sequence_logprobs(model: Any, seqs: list[list[int]]) -> list[list[float]]:
    """Teacher-forced log-prob of each token after the first, under an HF causal LM (eval mode, no grad)."""
    import torch

    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = []
        with torch.no_grad():
            for ids in seqs:
                x = torch.tensor([ids], device=device)
                logits = model(input_ids=x).logits.float()
                lp = logits[0, :-1].log_softmax(-1).gather(-1, x[0, 1:, None]).squeeze(-1)
                out.append(lp.cpu().tolist())
        return out
    finally:
        model.train(was_training)


def mean_gap(a: list[list[float]], b: list[list[float]]) -> float:
    """Mean |a - b| over every probe token."""
    diffs = [abs(x - y) for sa, sb in zip(a, b) for x, y in zip(sa, sb)]
    return sum(diffs) / max(1, len(diffs))
