"""A Python tool for the agentic coding expert: runs code in the reward sandbox."""
from __future__ import annotations

from functools import lru_cache

MAX_OUTPUT_CHARS = 2000


@lru_cache(maxsize=1)
def _sandbox():
    from rewards.sandbox import build_sandbox

    return build_sandbox("local", timeout_s=5.0, memory_mb=512)


def run_python(code: str) -> str:
    """Run a Python program in an isolated sandbox and return what it printed.

    Args:
        code: The complete Python program to run.

    Returns:
        The program's stdout and stderr (truncated), and its exit status.
    """
    if not isinstance(code, str) or not code.strip():
        return "error: code must be a non-empty string"
    try:
        res = _sandbox().run(code)
    except Exception as e:  # noqa: BLE001 - a tool never crashes the rollout
        return f"error: sandbox failure: {type(e).__name__}"
    out = (res.stdout_tail + ("\n" + res.stderr_tail if res.stderr_tail else "")).strip()
    return f"[{res.status}, exit {res.returncode}]\n{out[-MAX_OUTPUT_CHARS:]}"
