"""Isolated execution of untrusted, model-written Python.

Local backend (tested as root on the CI machine kind, Debian, cgroups v1):

    setpriv --reuid=UID --regid=UID --clear-groups --inh-caps=-all \\
      bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --tmpfs /root --tmpfs /home \\
            --bind WORKDIR /tmp/w --chdir /tmp/w --unshare-all --die-with-parent --new-session \\
            --clearenv --setenv PATH ... -- /usr/bin/python3 -I -S main.py

- an unprivileged uid per concurrent slot (61000+k): root is exempt from RLIMIT_NPROC, so fork
  bombs are only bounded as another uid; after each run every process of that uid is killed;
- ``--unshare-all``: no network (own net namespace), own pid namespace (cannot signal us);
- read-only root, private /tmp, home directories hidden, one writable fresh work dir;
- empty environment (``--clearenv``): no parent secrets;
- rlimits: CPU seconds, address space, processes, file size, open files, no core dumps;
- its own session/process group, killed as a whole at the wall-time limit;
- stdout/stderr are read with a byte cap, so huge output cannot exhaust our memory.

The sandboxed interpreter is Debian's /usr/bin/python3 (readable by nobody; pyenv's in
/root is not). Without bwrap the backend falls back to rlimits + empty env + temp dir and
says so in ``isolation``. The remote backend talks to a SandboxFusion-compatible API.
"""
from __future__ import annotations

import logging
import os
import queue
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger(__name__)
UID_BASE = 61000  # one unprivileged uid per concurrent slot, so one fork bomb cannot starve the others
SANDBOX_PY = "/usr/bin/python3"


@dataclass
class SandboxResult:
    status: str  # "ok" (ran to an exit code), "timeout", "error" (sandbox/API failure)
    returncode: int | None
    stdout_tail: str
    stderr_tail: str
    duration_s: float
    truncated: bool = False
    files: dict[str, str] | None = None  # small files the program left in its work dir (e.g. a harness marker)


def _read_capped(stream: Any, cap: int, sink: list[bytes], flag: list[bool]) -> None:
    total = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return
        if total < cap:
            sink.append(chunk[: cap - total])
        total += len(chunk)
        if total > cap:
            flag[0] = True


class LocalSandbox:
    """bubblewrap + rlimits on this machine. ``run`` never raises for anything the program does."""

    def __init__(self, timeout_s: float = 5.0, cpu_s: float | None = None, memory_mb: int = 1024, max_procs: int = 64,
                 max_output_bytes: int = 1 << 20, max_file_bytes: int = 16 << 20, workers: int = 2, **_: Any):
        self.timeout_s, self.memory_mb, self.max_procs = float(timeout_s), int(memory_mb), int(max_procs)
        self.cpu_s = int(cpu_s or max(1, round(timeout_s)))
        self.max_output_bytes, self.max_file_bytes, self.workers = int(max_output_bytes), int(max_file_bytes), int(workers)
        self._uids: queue.Queue[int] = queue.Queue()
        for k in range(max(self.workers, 4)):
            self._uids.put(UID_BASE + k)
        self.isolation = "bwrap" if shutil.which("bwrap") and shutil.which("setpriv") and os.path.exists(SANDBOX_PY) else "rlimits"
        if self.isolation == "rlimits":
            log.warning("bubblewrap/setpriv not found: the code sandbox uses rlimits only (run scripts/setup.sh)")

    def _preexec(self) -> None:
        os.setsid()
        mem = self.memory_mb << 20
        for lim, val in ((resource.RLIMIT_CPU, self.cpu_s), (resource.RLIMIT_AS, mem), (resource.RLIMIT_CORE, 0),
                         (resource.RLIMIT_NPROC, self.max_procs), (resource.RLIMIT_FSIZE, self.max_file_bytes),
                         (resource.RLIMIT_NOFILE, 64)):
            resource.setrlimit(lim, (val, val))

    def _command(self, workdir: str, uid: int) -> list[str]:
        if self.isolation == "rlimits":
            return [SANDBOX_PY if os.path.exists(SANDBOX_PY) else "python3", "-I", "-S", "main.py"]
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"] if os.getuid() == 0 else []
        return drop + ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                       "--tmpfs", "/root", "--tmpfs", "/home", "--tmpfs", "/work", "--bind", workdir, "/tmp/w",
                       "--chdir", "/tmp/w", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
                       "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp/w", "--setenv", "LANG", "C.UTF-8",
                       "--", SANDBOX_PY, "-I", "-S", "main.py"]

    def run(self, code: str, files: dict[str, str] | None = None, collect: tuple[str, ...] = ()) -> SandboxResult:
        workdir = tempfile.mkdtemp(prefix="pt-sbx-")
        start = time.monotonic()
        uid = self._uids.get()
        try:
            os.chmod(workdir, 0o777)
            for name, text in {"main.py": code, **(files or {})}.items():
                with open(os.path.join(workdir, name), "w") as f:
                    f.write(text)
            return self._execute(workdir, start, collect, uid)
        except Exception as e:  # noqa: BLE001 - sandbox failures are status=error, never a crash
            return SandboxResult("error", None, "", f"sandbox failure: {type(e).__name__}: {e}", time.monotonic() - start)
        finally:
            if self.isolation == "bwrap" and os.getuid() == 0:
                _kill_uid(uid)
            self._uids.put(uid)
            shutil.rmtree(workdir, ignore_errors=True)

    def _execute(self, workdir: str, start: float, collect: tuple[str, ...], uid: int) -> SandboxResult:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        proc = subprocess.Popen(self._command(workdir, uid), cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=self._preexec)
        out, err, trunc = [], [], [False]
        readers = [threading.Thread(target=_read_capped, args=(s, self.max_output_bytes, b, trunc), daemon=True)
                   for s, b in ((proc.stdout, out), (proc.stderr, err))]
        for t in readers:
            t.start()
        timed_out = False
        try:
            proc.wait(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
        for t in readers:
            t.join(timeout=2)
        collected = {}
        for name in collect:
            path = os.path.join(workdir, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, errors="replace") as f:
                    collected[name] = f.read(4096)
        tail = lambda chunks: b"".join(chunks)[-4000:].decode(errors="replace")  # noqa: E731
        return SandboxResult("timeout" if timed_out else "ok", proc.returncode, tail(out), tail(err),
                             time.monotonic() - start, trunc[0], collected)

    def run_many(self, programs: list[str], **kwargs: Any) -> list[SandboxResult]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(lambda c: self.run(c, **kwargs), programs))


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _kill_uid(uid: int, rounds: int = 50) -> None:
    """SIGKILL every process owned by ``uid`` until none is left (fork bombs respawn)."""
    for _ in range(rounds):
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and _owner(p) == uid]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)


def _owner(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


_BACKENDS: dict[str, Callable[..., Any]] = {"local": LocalSandbox}


def register_sandbox(name: str, factory: Callable[..., Any]) -> None:
    if name in _BACKENDS and _BACKENDS[name] is not factory:
        raise ValueError(f"sandbox backend {name!r} already registered")
    _BACKENDS[name] = factory


def build_sandbox(backend: str = "local", **params: Any) -> Any:
    if backend == "remote":
        from . import sandbox_remote  # noqa: F401  (registers itself)
    if backend not in _BACKENDS:
        raise ValueError(f"unknown sandbox backend {backend!r}; choose from local, remote")
    return _BACKENDS[backend](**params)
