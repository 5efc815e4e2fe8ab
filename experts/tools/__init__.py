"""Tools the agentic experts call during multi-turn rollouts.

Each tool is a plain function with type hints and a Google-style docstring, which is what
TRL's ``GRPOTrainer(tools=[...])`` (through ``transformers.utils.get_json_schema``) turns
into a JSON schema. Tools never raise on bad input: they return an ``error: ...`` string,
and their output is bounded in size.

    from experts.tools import TOOLS, resolve_tool
    resolve_tool("search")("Who founded Brevel Corp?")
"""
from __future__ import annotations

from typing import Callable

from .python_exec import run_python
from .search import search

TOOLS: dict[str, Callable[..., str]] = {"search": search, "run_python": run_python}


def resolve_tool(tool: Callable[..., str] | str) -> Callable[..., str]:
    """A tool callable, given the callable itself or its name in ``TOOLS``."""
    if callable(tool):
        return tool
    if tool not in TOOLS:
        raise KeyError(f"unknown tool {tool!r}; available: {', '.join(sorted(TOOLS))}")
    return TOOLS[tool]
