"""The text protocol for tool calls in multi-turn rollouts.

The system prompt lists each tool (name, typed arguments, description); the model calls one by writing
``<tool_call>{"name": "search", "arguments": {"query": "..."}}</tool_call>`` and the rollout
appends ``<tool_response>...</tool_response>`` inside the same assistant turn, so tool calls,
results and reasoning stay in context until the next user message (V3.2's rule; see
``templates.drop_previous_reasoning``). This is the Hermes/Qwen convention, chosen because
the embedded model's chat template has no tool support of its own.

    prompt = tools_system_prompt(base_system, [search])
    call = parse_tool_call(text)             # ToolCall | None
    text = run_tool_call(call, {"search": search})
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"
TOOLS_HEADER = "You can call these tools"
_CALL_RE = re.compile(re.escape(CALL_OPEN) + r"\s*(\{.*?\})\s*" + re.escape(CALL_CLOSE), re.S)
MAX_RESPONSE_CHARS = 1500


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]


def tool_line(fn: Callable[..., Any]) -> str:
    """``- name(arg: type, ...): description`` from the function's JSON schema (type hints + docstring)."""
    from transformers.utils import get_json_schema

    f = get_json_schema(fn)["function"]
    args = ", ".join(f"{k}: {v.get('type', 'any')}" for k, v in f.get("parameters", {}).get("properties", {}).items())
    return f"- {f['name']}({args}): {f.get('description', '')}"


def tools_system_prompt(system: str, tools: list[Callable[..., Any]]) -> str:
    """``system`` plus a compact tool list and the call format (short, so small contexts fit)."""
    if not tools:
        return system
    lines = "\n".join(tool_line(t) for t in tools)
    return (f"{system}\n{TOOLS_HEADER}:\n{lines}\nTo call a tool write {CALL_OPEN}"
            f'{{"name": ..., "arguments": {{...}}}}{CALL_CLOSE} and wait for the <tool_response>.')


def advertised_tools(system: str) -> set[str]:
    """Names of the tools a system prompt made by :func:`tools_system_prompt` offers."""
    if TOOLS_HEADER not in system:
        return set()
    tail = system.split(TOOLS_HEADER, 1)[1]
    return {m.group(1) for m in re.finditer(r"^- (\w+)\(", tail, re.M)}


def parse_tool_call(text: str) -> ToolCall | None:
    """The last complete tool call in ``text``; None when there is none or it is not valid JSON."""
    matches = _CALL_RE.findall(text)
    if not matches:
        return None
    try:
        data = json.loads(matches[-1])
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("arguments", {}), dict):
        return None
    return ToolCall(data["name"], data.get("arguments", {}))


def run_tool_call(call: ToolCall, tools: dict[str, Callable[..., str]]) -> str:
    """Execute a call; any failure becomes an ``error: ...`` result (model output never crashes the run)."""
    fn = tools.get(call.name)
    if fn is None:
        return f"error: unknown tool {call.name!r}; available: {', '.join(sorted(tools)) or 'none'}"
    try:
        out = str(fn(**call.arguments))
    except Exception as e:  # noqa: BLE001 - the arguments come from the model
        out = f"error: {type(e).__name__}: {e}"
    return out[:MAX_RESPONSE_CHARS]


def tool_response(text: str) -> str:
    return f"\n<tool_response>\n{text}\n</tool_response>\n"
