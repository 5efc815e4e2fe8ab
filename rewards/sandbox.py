"""Run untrusted, model-written Python in isolation: limits, results and the backend registry.

    sb = build_sandbox("local", timeout_s=3, memory_mb=512, workers=2)   # or "remote", base_url=...
    res = sb.run("print(1)")                                             # -> SandboxResult
    results = sb.run_many(["print(1)", Program("print(input())", stdin="x\\n")])

Backends (one file each, looked up by name, no if/elif):

- ``local`` (``sandbox_local.py``): bubblewrap as an unprivileged uid, with rlimits, cgroup v1
  limits when we are root, an empty environment, no network, and a private size-capped work
  dir. Without bubblewrap it raises :class:`SandboxUnavailableError` (``isolation_policy=
  "required"``, the default) or, with ``isolation_policy="best_effort"``, falls back to rlimits +
  empty env + temp dir and says so in ``isolation``. See that module for what was verified.
- ``remote`` (``sandbox_remote.py``): a client for a SandboxFusion-compatible ``/run_code`` API.

A result's ``status`` is ``ok`` when the program ran to an exit of its own (any exit code,
crashes included), ``timeout`` when the wall-time or CPU-time limit stopped it, and ``error``
when a sandbox limit killed it (``info["limit"]``: memory, output) or the sandbox itself failed
(``info["failure"]``: sandbox, api; ``sandbox_failed`` is then True). So a program that fails
its tests is never confused with a broken sandbox.
"""
from __future__ import annotations

import inspect
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Sequence

from .registry import Registry


class SandboxUnavailableError(RuntimeError):
    """The isolation the config requires is not available on this machine (the message says how to fix it)."""


@dataclass
class SandboxConfig:
    """Limits shared by the backends. ``memory_mb`` is the address space of each process and,
    where cgroups are available, the memory of the whole program (all processes + its files)."""

    timeout_s: float = 5.0
    cpu_s: float | None = None  # CPU seconds per process; None: the wall-time limit rounded up
    memory_mb: int = 1024
    max_procs: int = 32  # processes + threads of one program
    max_output_bytes: int = 1 << 20  # stdout + stderr each; beyond it the program is killed
    tail_bytes: int = 8192  # how much of the end of stdout/stderr a result keeps
    workers: int = 2

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.memory_mb <= 0 or self.max_procs <= 0 or self.workers <= 0:
            raise ValueError(f"sandbox limits must be positive: {self}")

    @classmethod
    def split(cls, params: dict[str, Any]) -> tuple["SandboxConfig", dict[str, Any]]:
        """(config from the known keys, the remaining backend-specific keys)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in names}), {k: v for k, v in params.items() if k not in names}


@dataclass
class Program:
    """One run: the program text, extra files next to it, text for its stdin, a per-run time limit,
    and how much of stdout's end to keep when more than the config's ``tail_bytes`` (capped at
    ``max_output_bytes``; ``code_tests`` reads its result line from there). A backend whose ``run``
    has no ``tail_bytes`` parameter keeps its own tail."""

    code: str
    files: dict[str, str] | None = None
    stdin: str | None = None
    timeout_s: float | None = None
    tail_bytes: int | None = None


@dataclass
class SandboxResult:
    status: str  # "ok" | "timeout" | "error" (see the module docstring)
    returncode: int | None
    stdout_tail: str
    stderr_tail: str
    duration_s: float
    truncated: bool = False  # output was longer than the kept tail
    info: dict[str, Any] = field(default_factory=dict)  # limit / failure / detail

    @property
    def sandbox_failed(self) -> bool:
        """True when the sandbox or its API failed, as opposed to the program failing."""
        return self.info.get("failure") in ("sandbox", "api")

    @classmethod
    def failure(cls, kind: str, detail: str, started: float) -> "SandboxResult":
        return cls("error", None, "", "", time.monotonic() - started, info={"failure": kind, "detail": detail[:500]})


class SandboxBase:
    """``run_many`` for any backend with ``run(code, files=, stdin=, timeout_s=)`` and ``workers``."""

    workers: int = 2

    def run(self, code: str, files: dict[str, str] | None = None, stdin: str | None = None,
            timeout_s: float | None = None, tail_bytes: int | None = None) -> SandboxResult:
        raise NotImplementedError

    def run_many(self, programs: Sequence[str | Program]) -> list[SandboxResult]:
        """Run programs concurrently (at most ``workers`` at once); results keep the input order."""
        progs = [p if isinstance(p, Program) else Program(p) for p in programs]
        if not progs:
            return []
        takes_tail = "tail_bytes" in inspect.signature(self.run).parameters  # a backend written before it may not
        with ThreadPoolExecutor(max_workers=min(self.workers, len(progs))) as pool:
            return list(pool.map(lambda p: self.run(p.code, files=p.files, stdin=p.stdin, timeout_s=p.timeout_s, **(
                {"tail_bytes": p.tail_bytes} if p.tail_bytes and takes_tail else {})), progs))


# The built-in backends, imported on first use; register_sandbox adds a factory or "module:Class".
SANDBOXES = Registry("sandbox backend", {
    "local": "rewards.sandbox_local:LocalSandbox",
    "remote": "rewards.sandbox_remote:RemoteSandbox",
})


def register_sandbox(name: str, factory: str | Callable[..., Any]) -> None:
    """Add a backend (a factory or a ``module:Class`` path). Duplicate names are rejected."""
    SANDBOXES.register(name, factory)


def build_sandbox(backend: str = "local", **params: Any) -> Any:
    """Instantiate a backend by name with its params (SandboxConfig keys + backend-specific ones)."""
    try:
        factory = SANDBOXES.get(backend)
    except KeyError:
        raise ValueError(f"unknown sandbox backend {backend!r}; choose from {', '.join(SANDBOXES.names())}") from None
    return factory(**params)
