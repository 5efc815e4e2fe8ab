"""Thinking and non-thinking chat templates for one model.

DeepSeek-V3.2 trains and distils in two modes: *thinking* (a chain of thought inside
``<think>...</think>`` before the answer) and *non-thinking* (a concise answer). We request
the mode with a system prompt, and in thinking mode we also prefill ``<think>\\n`` at the
start of the assistant turn so that small models follow the format. The prefill is part
of the returned completion text, so rewards always see the whole ``<think>`` block.

Departure from the paper: V3.2 switches modes with special chat-template tokens of its own
tokenizer; we use a system prompt plus prefill so that any chat model works.
"""
from __future__ import annotations

from typing import Any, Literal

Mode = Literal["thinking", "non_thinking"]
MODES: tuple[str, ...] = ("thinking", "non_thinking")
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"

SYSTEM_PROMPTS: dict[str, str] = {
    "thinking": ("You are a helpful assistant. Think step by step inside <think> and </think>, "
                 "then write the final answer after </think>."),
    "non_thinking": "You are a helpful assistant. Answer concisely and directly, without showing your reasoning.",
}
PREFILL: dict[str, str] = {"thinking": THINK_OPEN + "\n", "non_thinking": ""}

Messages = list[dict[str, Any]]


def to_messages(prompt: str | Messages, mode: str | None = None) -> Messages:
    """A plain prompt becomes one user turn. With a mode, its system prompt is put first
    (replacing any system turn the prompt had)."""
    msgs = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else [dict(m) for m in prompt]
    if mode is None:
        return msgs
    if mode not in SYSTEM_PROMPTS:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return [{"role": "system", "content": SYSTEM_PROMPTS[mode]}] + [m for m in msgs if m["role"] != "system"]


def render(tokenizer: Any, prompt: str | Messages, mode: str | None = None,
           tools: list[Any] | None = None) -> tuple[str, str]:
    """Return (prompt text ready for generation including any prefill, prefill).

    Both rollout backends tokenise exactly this text, so they see identical inputs.
    """
    msgs = to_messages(prompt, mode)
    kwargs = {"tools": tools} if tools else {}
    text = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True, **kwargs)
    prefill = PREFILL.get(mode or "", "")
    return text + prefill, prefill


def drop_previous_reasoning(messages: Messages) -> Messages:
    """V3.2 context management: reasoning from earlier assistant turns is dropped once a new
    *user* message arrives; tool calls and tool results are kept."""
    last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=-1)
    out = []
    for i, m in enumerate(messages):
        if i < last_user and m["role"] == "assistant" and THINK_CLOSE in str(m.get("content") or ""):
            m = {**m, "content": str(m["content"]).split(THINK_CLOSE, 1)[1].lstrip()}
        out.append(m)
    return out
