"""Turn dataset rows into completion rows with a RolloutEngine.

Used by eval (and by distillation): each prompt row becomes ``n`` completion rows that
carry the row's columns plus ``completion``, ``mode``, ``finish_reason``,
``completion_tokens`` and ``sample_idx``, ready for the reward router.
"""
from __future__ import annotations

from typing import Any, Callable

from . import RolloutEngine, SamplingConfig

PromptFn = Callable[[dict[str, Any]], str]


def sample_rows(engine: RolloutEngine, rows: list[dict[str, Any]], sampling: SamplingConfig, mode: str | None,
                prompt_fn: PromptFn | None = None, batch_size: int = 64,
                progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Generate ``sampling.n`` completions per row; ``prompt_fn`` renders a row's prompt text."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        prompts = [prompt_fn(r) if prompt_fn else r["prompt"] for r in batch]
        for row, gen in zip(batch, engine.generate(prompts, sampling, mode=mode)):
            for k, s in enumerate(gen.samples):
                out.append({**row, "completion": s.text, "mode": mode or "non_thinking", "sample_idx": k,
                            "finish_reason": s.finish_reason, "completion_tokens": len(s.token_ids)})
        if progress:
            progress(len(batch))
    return out
