"""``distill.budget``: how much distillation generates per (domain, mode).

Without a target (the default) distillation runs one round: ``distill.prompts_per_domain`` prompts per
domain and mode, as before. With ``target_per_group`` it aims at that many kept rows in every
(domain, mode) group: after each round a group under its target draws more prompts, as many as its
kept rows per prompt so far say it needs (more where the pass rate is lower), up to ``max_rounds``
rounds and ``max_prompts_per_group`` prompts (pipeline/distill/budget.py). A group that ends under its
target is named in one warning line and in the dataset card.
"""
from __future__ import annotations

from pydantic import Field

from .section import Section


class DistillBudget(Section):
    """Kept-row targets per (domain, mode), generation rounds and their caps, and the thinking token budget."""

    target_per_group: int | None = Field(None, gt=0)
    """Kept rows to aim at per domain and mode; None = one round of distill.prompts_per_domain prompts."""
    max_rounds: int = Field(3, gt=0)
    """Generation rounds at most (round 1 is distill.prompts_per_domain prompts per group; later rounds draw
    more prompts for the groups still under target_per_group)."""
    max_prompts_per_group: int | None = Field(None, gt=0)
    """Prompts one domain/mode group may draw over all rounds (the cap on extra sampling); None = 4 x
    distill.prompts_per_domain. Fresh training prompts come first, then prompts that kept nothing."""
    close_think: int = Field(0, ge=0)
    """Budget forcing: a thinking sample that ended (stopped or ran out of tokens) inside its unclosed <think> block
    gets </think> appended and an answer of at most this many new tokens (pipeline/distill/close_think.py), then the usual filters;
    0 = off (such a sample is rejected as malformed_thinking or truncated)."""
    thinking_max_tokens: int | None = Field(None, gt=0)
    """Max new tokens for thinking-mode samples (the <think> block plus the answer); None = distill.max_tokens
    (or rollout.max_tokens), the same as non-thinking samples."""
