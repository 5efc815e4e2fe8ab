"""Budget forcing for thinking samples (``distill.budget.close_think``): a thinking sample that ended
inside its unclosed ``<think>`` block, by EOS or by running out of tokens, gets ``\\n</think>\\n``
appended and its answer sampled after it, from the same engine, within ``close_think`` new tokens; the
result then meets the same filters as any sample (format, correctness, language, duplicates).

Why: a small model asked to think often writes its whole answer inside ``<think>`` and stops there
(bench/results/thinking_budget.json: 28 of 32 math samples of the base SmolLM2, 25 of 32 after 12
GRPO steps in both modes, bench/results/think_expert.json), or runs out of tokens there (34 of 48 code
samples at 160 tokens in the demo of 2026-12-07), so no thinking row survives rejection sampling and SFT
never sees the format. As s1 (Muennighoff et al., 2025, "budget forcing") the end-of-thinking delimiter
is appended when the thinking budget runs out; here also when the model stops without it. V3.2's
specialists close their blocks themselves; this is off by default.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..rollout.templates import THINK_CLOSE, THINK_OPEN

CLOSE = "\n" + THINK_CLOSE + "\n"


def needs_close(text: str) -> bool:
    """A sample that ended (stopped or truncated) inside an unclosed ``<think>`` block."""
    return THINK_OPEN in text and THINK_CLOSE not in text


def close_unfinished(rollout: Any, tracks: list[Any], texts: list[str], answer_tokens: int) -> dict[int, tuple[str, int, str]]:
    """``{track index: (new completion text, sampled tokens, finish reason)}`` for the tracks that ended
    inside their ``<think>``: their ids (EOS dropped) + ``CLOSE`` + an answer of at most ``answer_tokens``."""
    tok = rollout.tok
    idx = [i for i, text in enumerate(texts) if needs_close(text)]
    if not idx:
        return {}
    eos = tok.eos_token_id
    close = tok(CLOSE, add_special_tokens=False)["input_ids"]
    heads = [tracks[i].ids[:-1] if tracks[i].ids and tracks[i].ids[-1] == eos else list(tracks[i].ids) for i in idx]
    sampling = replace(rollout.sampling, n=1, max_tokens=answer_tokens, logprobs=False, include_stop_token=False)
    outs = rollout.engine.generate_ids([tracks[i].prompt_ids + h + close for i, h in zip(idx, heads)], sampling)
    result = {}
    for i, head, samples in zip(idx, heads, outs):
        s = samples[0]
        text = tok.decode(head + close + list(s.token_ids), skip_special_tokens=True)
        result[i] = (text, tracks[i].sampled + len(s.token_ids), s.finish_reason)
    return result
