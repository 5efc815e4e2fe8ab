"""A Python tool for the agentic coding expert: runs model-written code in the reward sandbox.

    from experts.tools.python_exec import make_run_python, run_python, configure_python_tool
    tool = make_run_python("local", timeout_s=5, memory_mb=512, isolation_policy="required")  # the run's cfg.sandbox
    tool("print(1 + 1)")          # "exit code 0 (ok)\\nstdout:\\n2"
    run_python("print(1 + 1)")    # the module-level tool (configure_python_tool sets its sandbox)

The sandbox comes from ``rewards.sandbox.build_sandbox`` (the same isolation as the
``code_tests`` reward). ``make_run_python`` builds its sandbox at once, so a sandbox the config
requires but the machine lacks (no bubblewrap) fails the stage when it starts, with the fix in
the message; the module-level ``run_python`` builds it on first use. A tool call never raises:
bad input or a sandbox failure returns an ``error: ...`` string. Output is the tail of stdout
and stderr, bounded by ``MAX_OUTPUT_CHARS``.
"""
from __future__ import annotations

import threading
from typing import Any

MAX_OUTPUT_CHARS = 2000
MAX_CODE_CHARS = 20000
_settings: dict[str, Any] = {"backend": "local", "timeout_s": 5.0, "memory_mb": 512, "workers": 1}
_sandbox: Any = None
_lock = threading.Lock()


def configure_python_tool(backend: str = "local", **limits: Any) -> None:
    """Choose the sandbox backend and limits (``rewards.sandbox.build_sandbox`` params)."""
    global _sandbox
    with _lock:
        _settings.clear()
        _settings.update(backend=backend, **{"timeout_s": 5.0, "memory_mb": 512, "workers": 1, **limits})
        _sandbox = None


def _get_sandbox() -> Any:
    global _sandbox
    with _lock:
        if _sandbox is None:
            from rewards.sandbox import build_sandbox

            params = dict(_settings)
            _sandbox = build_sandbox(params.pop("backend"), **params)
        return _sandbox


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "..." + text[-(limit - 3):]


def format_result(res: Any) -> str:
    """``exit code N (status)`` followed by the bounded stdout and stderr tails."""
    out, err = (getattr(res, "stdout_tail", "") or "").rstrip(), (getattr(res, "stderr_tail", "") or "").rstrip()
    head = f"exit code {getattr(res, 'returncode', None)} ({getattr(res, 'status', '?')})"
    budget = max(MAX_OUTPUT_CHARS - len(head) - 20, 100)
    parts = [head]
    if out:
        parts.append("stdout:\n" + _tail(out, budget // 2 if err else budget))
    if err:
        parts.append("stderr:\n" + _tail(err, budget // 2 if out else budget))
    return "\n".join(parts)[:MAX_OUTPUT_CHARS]


def _run(get_sandbox: Any, code: str) -> str:
    if not isinstance(code, str) or not code.strip():
        return "error: code must be a non-empty string of Python source"
    if len(code) > MAX_CODE_CHARS:
        return f"error: code is longer than {MAX_CODE_CHARS} characters"
    try:
        sandbox = get_sandbox()
    except ImportError as e:
        return f"error: the Python sandbox is not available ({e})"
    except Exception as e:  # noqa: BLE001 - a tool never crashes the rollout
        return f"error: could not start the sandbox: {type(e).__name__}: {str(e)[:200]}"
    try:
        return format_result(sandbox.run(code))
    except Exception as e:  # noqa: BLE001
        return f"error: sandbox failure: {type(e).__name__}: {str(e)[:200]}"


def run_python(code: str) -> str:
    """Run a Python program in an isolated sandbox and return its exit code and output.

    Args:
        code: The complete Python program to run. Use print() to see values.

    Returns:
        The exit code and status, then the end of the program's stdout and stderr.
    """
    return _run(_get_sandbox, code)


def make_run_python(backend: str = "local", **params: Any) -> Any:
    """A ``run_python`` tool (same name, signature and docstring, so the same JSON schema) bound to
    its own sandbox, built now from ``rewards.sandbox.build_sandbox(backend, **params)``."""
    from rewards.sandbox import build_sandbox

    sandbox = build_sandbox(backend, **params)

    def tool(code: str) -> str:
        return _run(lambda: sandbox, code)

    tool.__name__ = tool.__qualname__ = run_python.__name__
    tool.__doc__ = run_python.__doc__
    tool.sandbox = sandbox  # type: ignore[attr-defined]
    return tool
