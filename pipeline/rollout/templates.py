"""Thinking and non-thinking chat templates for one model.

DeepSeek-V3.2 trains and distils in two modes: *thinking* (a chain of thought inside
``<think>...</think>`` before the answer) and *non-thinking* (a concise answer). We request
the mode with a system prompt, and in thinking mode we also prefill ``<think>\\n`` at the
start of the assistant turn so that small models follow the format. The prefill is part
of the returned completion text, so rewards always see the whole ``<think>`` block.

Departure from the paper: V3.2 switches modes with special chat-template tokens of its own
tokenizer; we use a system prompt plus prefill so that any chat model works.

Models' own templates (:func:`template_traits`, probed once per tokenizer):

- a template that rejects a system role (Gemma-style ``raise_exception``) gets the system text
  merged into the first user turn;
- a template with its own thinking switch (Qwen3's ``enable_thinking``) gets
  ``enable_thinking=(mode == "thinking")``; the mode is the requested one or, for ready-made
  messages, the one its system prompt names (:func:`mode_of`);
- a template that renders a ``tools`` list gets the tools natively and the text tool list
  (``tool_calls.tools_system_prompt``) is dropped from the system turn, so the model sees the
  tool format it was trained on; calls are still parsed as ``<tool_call>{json}</tool_call>``.

Thinking context (V3.2): :func:`fit_messages`, which every rendering goes through (rollouts and
engine prompts via :func:`render`, eval generation, SFT tokenisation in pipeline/train/sft_tokens.py), applies
:func:`drop_previous_reasoning`: an earlier assistant turn's reasoning is dropped only once a new
user message follows it; tool calls and tool results stay. Within one RL completion the tool turns
are appended inside the assistant turn (no new user message), so its reasoning is kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..vocab import MODES, Mode  # noqa: F401  (re-exported: templates.MODES, templates.Mode)

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


def mode_of(messages: Messages) -> str | None:
    """The mode whose system prompt starts the messages' system turn, else None."""
    system = next((str(m.get("content") or "") for m in messages if m.get("role") == "system"), "")
    return next((mode for mode, text in SYSTEM_PROMPTS.items() if system.startswith(text)), None)


@dataclass(frozen=True)
class TemplateTraits:
    """What a tokenizer's chat template supports (probed by rendering, not guessed from its name)."""

    system_role: bool = True  # renders a system turn (False: it raises, Gemma-style)
    thinking_switch: bool = False  # reads ``enable_thinking`` (Qwen3)
    native_tools: bool = False  # renders the ``tools`` it is given


_PROBE_TOOL = {"type": "function", "function": {"name": "posttrain_probe_tool", "description": "probe",
                                                "parameters": {"type": "object", "properties": {}}}}


def template_traits(tokenizer: Any) -> TemplateTraits:
    """Probe the tokenizer's chat template once (cached on the tokenizer)."""
    source = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else str(tokenizer.chat_template or "")
    cached = getattr(tokenizer, "_posttrain_traits", None)
    if cached is not None and cached[0] == source:
        return cached[1]
    user = [{"role": "user", "content": "hi"}]

    def renders(msgs: Messages, **kw: Any) -> str | None:
        try:
            return tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True, **kw)
        except Exception:  # noqa: BLE001 - a template that raises for this input lacks the feature
            return None

    traits = TemplateTraits(system_role=renders([{"role": "system", "content": "sys"}, *user]) is not None,
                            thinking_switch="enable_thinking" in source,
                            native_tools=_PROBE_TOOL["function"]["name"] in (renders(user, tools=[_PROBE_TOOL]) or ""))
    try:
        tokenizer._posttrain_traits = (source, traits)
    except AttributeError:
        pass
    return traits


def fit_messages(messages: Messages, traits: TemplateTraits) -> Messages:
    """Messages the template accepts, with V3.2's thinking context (:func:`drop_previous_reasoning`):
    without a system role, system text joins the first user turn."""
    messages = drop_previous_reasoning(messages)
    if traits.system_role or not any(m.get("role") == "system" for m in messages):
        return messages
    system = "\n\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    rest = [dict(m) for m in messages if m.get("role") != "system"]
    first_user = next((i for i, m in enumerate(rest) if m.get("role") == "user"), None)
    if first_user is None:
        return [{"role": "user", "content": system}, *rest]
    rest[first_user]["content"] = f"{system}\n\n{rest[first_user].get('content') or ''}"
    return rest


def _without_text_tools(messages: Messages) -> Messages:
    from .tool_calls import TOOLS_HEADER

    return [{**m, "content": str(m["content"]).split("\n" + TOOLS_HEADER, 1)[0]}
            if m.get("role") == "system" and TOOLS_HEADER in str(m.get("content") or "") else m for m in messages]


def render(tokenizer: Any, prompt: str | Messages, mode: str | None = None,
           tools: list[Any] | None = None) -> tuple[str, str]:
    """Return (prompt text ready for generation including any prefill, prefill).

    Both rollout backends tokenise exactly this text, so they see identical inputs. The model's
    own template traits are honoured (see the module docstring).
    """
    msgs = to_messages(prompt, mode)
    traits = template_traits(tokenizer)
    kwargs: dict[str, Any] = {}
    if tools and traits.native_tools:
        msgs, kwargs["tools"] = _without_text_tools(msgs), tools
    elif tools:
        kwargs["tools"] = tools
    if traits.thinking_switch:
        kwargs["enable_thinking"] = (mode or mode_of(msgs)) == "thinking"
    text = tokenizer.apply_chat_template(fit_messages(msgs, traits), tokenize=False, add_generation_prompt=True,
                                         **kwargs)
    prefill = PREFILL.get(mode or "", "")
    return text + prefill, prefill


_THINK_BLOCK = re.compile(re.escape(THINK_OPEN) + r".*?" + re.escape(THINK_CLOSE) + r"\s*", re.S)


def _without_reasoning(text: str) -> str:
    """Every <think>...</think> block removed (tool calls and results between them stay); a reasoning
    start without its <think> (a prefilled turn stored without it) is cut up to its </think>."""
    text = _THINK_BLOCK.sub("", text)
    return text.split(THINK_CLOSE, 1)[1].lstrip() if THINK_CLOSE in text else text


def drop_previous_reasoning(messages: Messages) -> Messages:
    """V3.2 context management: reasoning from earlier assistant turns is dropped once a new
    *user* message arrives; tool calls and tool results are kept."""
    last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=-1)
    out = []
    for i, m in enumerate(messages):
        if i < last_user and m["role"] == "assistant":
            if THINK_CLOSE in str(m.get("content") or ""):
                m = {**m, "content": _without_reasoning(str(m["content"]))}
            if "reasoning_content" in m:  # templates that take reasoning as its own field (Qwen3-style)
                m = {k: v for k, v in m.items() if k != "reasoning_content"}
        out.append(m)
    return out
