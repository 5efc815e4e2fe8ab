"""run_python follows the run's sandbox config: its own sandbox with the configured limits and
isolation policy; a required sandbox that is missing fails when the tool is built, not later."""
from __future__ import annotations

import pytest

from experts.base import get_expert
from experts.tools.python_exec import make_run_python, run_python
from rewards.sandbox import SandboxUnavailableError


def test_bound_tool_uses_the_configured_sandbox_and_keeps_the_schema():
    from transformers.utils import get_json_schema

    tool = make_run_python("local", timeout_s=1.5, memory_mb=300, workers=1)
    assert tool.sandbox.timeout_s == 1.5 and tool.sandbox.config.memory_mb == 300
    assert get_json_schema(tool) == get_json_schema(run_python)
    assert "(timeout)" in tool("while True: pass")  # the configured 1.5 s wall limit stopped it
    assert tool("print(2 + 2)").endswith("stdout:\n4")


def test_required_isolation_fails_at_build_time_and_best_effort_runs():
    with pytest.raises(SandboxUnavailableError, match="apt-get install bubblewrap"):
        make_run_python("local", isolation_policy="required", bwrap="/nonexistent/bwrap")
    tool = make_run_python("local", isolation_policy="best_effort", bwrap="/nonexistent/bwrap", timeout_s=2)
    assert tool.sandbox.isolation == "rlimits" and tool("print(1)").endswith("stdout:\n1")


def test_expert_tools_can_be_bound_by_name():
    tool = make_run_python("local", timeout_s=2)
    tools = get_expert("agentic_code").tool_functions({"run_python": tool})
    assert tools == [tool]
    assert get_expert("agentic_code").tool_functions() == [run_python]
    assert get_expert("agentic_search").tool_functions({"run_python": tool})[0].__name__ == "search"
