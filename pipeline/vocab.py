"""The pipeline's vocabulary, declared once: stage kinds (in run order) and generation modes.

The config schema, the orchestrator's stage order, the CLI's messages and the semantic checks
all derive from these tuples; this module imports nothing of the project.
"""
from __future__ import annotations

from typing import Literal, get_args

StageKind = Literal["expert", "distill", "sft", "mixed", "eval", "report"]
STAGE_KINDS: tuple[str, ...] = get_args(StageKind)
"""Every stage kind, in the order the orchestrator runs them; experts are named ``expert:<domain>``."""

Mode = Literal["thinking", "non_thinking"]
MODES: tuple[str, ...] = get_args(Mode)
"""Generation modes: long chain of thought, or a concise answer."""

ModeChoice = Literal["thinking", "non_thinking", "both"]
"""A stage's mode setting: one mode, or both (each prompt once per mode)."""


def mode_budgets(mode: str, max_tokens: int, thinking_max_tokens: int | None = None) -> dict[str, int]:
    """Max new tokens per mode a stage with this ``mode`` setting samples: ``max_tokens`` for non-thinking
    rows, ``thinking_max_tokens`` (None = 2 x ``max_tokens``: room for the block before the answer) for
    thinking rows."""
    modes = MODES if mode == "both" else (mode,)
    return {m: int(thinking_max_tokens or 2 * max_tokens) if m == "thinking" else int(max_tokens) for m in modes}


def stage_names_help() -> str:
    """``expert:<domain>, distill, sft, mixed, eval or report`` for messages."""
    rest = [k for k in STAGE_KINDS if k != "expert"]
    return "expert:<domain>, " + ", ".join(rest[:-1]) + " or " + rest[-1]
