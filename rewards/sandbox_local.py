"""Local sandbox backend: bubblewrap as an unprivileged uid, rlimits, cgroups, empty env.

Each run (``isolation == "bwrap"``)::

    setpriv --reuid=U --regid=U --clear-groups --inh-caps=-all \\        # only when we are root
      bwrap --unshare-all --unshare-user --disable-userns --die-with-parent --new-session --clearenv \\
        --ro-bind /usr /usr --ro-bind /etc /etc --symlink usr/bin /bin ... \\   # system dirs only
        --dev /dev --size S --tmpfs /dev/shm --remount-ro /dev --proc /proc \\
        --size T --tmpfs /tmp --dir /tmp/w --file FD /tmp/w/main.py ... --chdir /tmp/w \\
        --setenv PATH /usr/bin:/bin --setenv LANG C.UTF-8 --setenv HOME /tmp/w -- /usr/bin/python3 -I main.py

- Only /usr, /etc and the /bin, /lib... links are visible, read-only: /root, /home, /work, /run
  (host sockets), the host /tmp and every other directory simply do not exist inside.
- The work dir is fresh, writable and private: a size-capped tmpfs (``tmp_mb``) that the kernel
  frees with the sandbox's mount namespace. The program's files are copied in from memfds, so
  nothing is written to the host disk and there is nothing to clean up there. (This departs
  from "bind a host temp dir": a bound host dir has no size cap.)
- Own user, pid, net, ipc, uts and cgroup namespaces: no network (loopback of its own only), it
  cannot see or signal our processes, and it cannot make new user namespaces.
- Popen with ``start_new_session`` and a preexec that joins the slot's cgroups and sets
  RLIMIT_CPU, RLIMIT_AS, RLIMIT_NPROC, RLIMIT_FSIZE, RLIMIT_CORE=0 and RLIMIT_NOFILE; the uid
  is dropped to the slot's own uid (``sandbox_slots.py``) because root ignores RLIMIT_NPROC.
- The wall-time limit kills the whole process group; bwrap's --die-with-parent then takes
  down the pid namespace, and the slot sweep kills anything left of that uid/cgroup.
- stdout and stderr are read by threads that keep only the last ``tail_bytes``; more than
  ``max_output_bytes`` kills the program (``info["limit"] == "output"``).

Isolation policy (``isolation_policy``, the config's ``sandbox.isolation``): ``required`` (the
default) raises :class:`~rewards.sandbox.SandboxUnavailableError` when bubblewrap, setpriv (as
root) or the interpreter is missing, or bwrap cannot start; the message says how to install it.
``best_effort`` instead falls back (``isolation == "rlimits"``, logged as a warning): rlimits,
cgroups and the uid drop as above, an empty env and a fresh host temp dir as cwd (removed
afterwards); no namespaces, so the network stays reachable.

Verified as root on the CI machine kind (Debian 12, kernel 6.x, cgroups v1, bubblewrap 0.8.0,
/usr/bin/python3 3.11) by tests/integration/test_sandbox_redteam.py: fork/thread/memory bombs,
network, file writes and reads outside, signals to us, /proc escapes, huge output, fake passes.
The interpreter must be readable by the slot uid: Debian's /usr/bin/python3 is, pyenv's is not.
Pipe readers and process killing live in sandbox_proc.py, slots and cgroups in sandbox_slots.py.
"""
from __future__ import annotations

import functools
import logging
import math
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .sandbox import SandboxBase, SandboxConfig, SandboxResult, SandboxUnavailableError
from .sandbox_proc import Tail, feed, read_all, tasks_of, terminate
from .sandbox_slots import Slot, SlotPool

log = logging.getLogger(__name__)
SANDBOX_PY = "/usr/bin/python3"
SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
WORKDIR = "/tmp/w"
BWRAP = "bwrap"  # looked up on PATH; a path of its own can be passed as ``bwrap=``
POLICIES = ("required", "best_effort")
INSTALL_HINT = ("install bubblewrap (`apt-get install bubblewrap`, which scripts/setup.sh runs as root), or set "
                "sandbox.isolation=best_effort to accept rlimits only (no namespaces: the network stays reachable)")


class LocalSandbox(SandboxBase):
    """Runs Python programs on this machine; ``run`` never raises for anything a program does."""

    def __init__(self, isolation: str | None = None, tmp_mb: int = 64, cpus: float = 1.0, python: str = SANDBOX_PY,
                 uid_base: int = 61000, uid_slots: int = 64, isolation_policy: str = "required", bwrap: str = BWRAP,
                 **limits: Any):
        """``isolation`` forces a mechanism ("bwrap" | "rlimits"); None detects it under ``isolation_policy``."""
        if isolation_policy not in POLICIES:
            raise ValueError(f"isolation_policy must be one of {POLICIES}, not {isolation_policy!r}")
        self.config = SandboxConfig(**limits)
        self.workers, self.timeout_s = self.config.workers, self.config.timeout_s
        self.tmp_mb, self.cpus, self.python = int(tmp_mb), float(cpus), python
        self.bwrap = shutil.which(bwrap) or bwrap
        self.slots = SlotPool(uid_base, uid_slots)
        self.isolation = isolation or self._detect(isolation_policy)
        if self.isolation not in ("bwrap", "rlimits"):
            raise ValueError(f"isolation must be 'bwrap' or 'rlimits', not {self.isolation!r}")

    def _detect(self, policy: str) -> str:
        missing = bwrap_problem(self.python, self.slots.drop, self.bwrap)
        if missing is None:
            return "bwrap"
        if policy == "required":
            raise SandboxUnavailableError(f"the code sandbox needs bubblewrap (sandbox.isolation=required) but "
                                          f"this machine lacks {missing}: {INSTALL_HINT}")
        log.warning("code sandbox without bubblewrap (missing: %s; sandbox.isolation=best_effort): rlimits + "
                    "empty env + temp dir only, network reachable; %s", missing, INSTALL_HINT)
        return "rlimits"

    def run(self, code: str, files: dict[str, str] | None = None, stdin: str | None = None,
            timeout_s: float | None = None, tail_bytes: int | None = None) -> SandboxResult:
        started = time.monotonic()
        files = {"main.py": code, **(files or {})}
        bad = [n for n in files if not n or "/" in n or n.startswith(".") or "\0" in n]
        if bad:
            return SandboxResult.failure("sandbox", f"bad file names {bad}: use plain names", started)
        timeout = float(timeout_s or self.config.timeout_s)
        memory = (self.config.memory_mb + 2 * self.tmp_mb) << 20  # the program and its tmpfs files
        try:
            with self.slots.slot(memory, self.config.max_procs + 2, self.cpus) as slot:
                prepare = self._prepare_bwrap if self.isolation == "bwrap" else self._prepare_plain
                with prepare(files, slot) as launch:
                    return self._execute(launch, self._preexec(slot, timeout, launch.drop_uid), stdin, timeout, slot,
                                         max(self.config.tail_bytes, min(int(tail_bytes or 0), self.config.max_output_bytes)))
        except Exception as e:  # noqa: BLE001 - a sandbox failure is status=error, never an exception
            log.exception("sandbox failure")
            return SandboxResult.failure("sandbox", f"{type(e).__name__}: {e}", started)

    # -- building the command ------------------------------------------------------------------
    def _bwrap_argv(self, slot: Slot, file_fds: dict[str, int], status_fd: int) -> list[str]:
        drop = ["setpriv", f"--reuid={slot.uid}", f"--regid={slot.uid}", "--clear-groups", "--inh-caps=-all"]
        argv = (drop if self.slots.drop else []) + [
            self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--clearenv", "--json-status-fd", str(status_fd)]
        for d in SYSTEM_DIRS:
            if os.path.islink(d):
                argv += ["--symlink", os.readlink(d), d]
            elif os.path.isdir(d):
                argv += ["--ro-bind", d, d]
        argv += ["--dev", "/dev", "--size", str(16 << 20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
                 "--proc", "/proc", "--size", str(self.tmp_mb << 20), "--tmpfs", "/tmp", "--dir", WORKDIR]
        for name, fd in file_fds.items():
            argv += ["--file", str(fd), f"{WORKDIR}/{name}"]
        for key, value in {**ENV, "HOME": WORKDIR, "TMPDIR": "/tmp"}.items():
            argv += ["--setenv", key, value]
        return argv + ["--chdir", WORKDIR, "--", self.python, "-I", "main.py"]

    @contextmanager
    def _prepare_bwrap(self, files: dict[str, str], slot: Slot) -> Iterator[_Launch]:
        """Files go in through memfds (``--file``); bwrap reports on a status pipe whether it started the program."""
        fds: dict[str, int] = {}
        try:
            status_r, status_w = fds[".status_r"], fds[".status_w"] = os.pipe()
            os.set_blocking(status_r, False)
            for name, text in files.items():
                fd = fds[name] = os.memfd_create(name)
                os.write(fd, text.encode("utf-8", "surrogatepass"))
                os.lseek(fd, 0, os.SEEK_SET)
            file_fds = {n: fd for n, fd in fds.items() if not n.startswith(".")}
            yield _Launch(self._bwrap_argv(slot, file_fds, status_w), "/", dict(ENV),
                          (*file_fds.values(), status_w), status_fd=status_r)
        finally:
            for fd in fds.values():
                os.close(fd)

    @contextmanager
    def _prepare_plain(self, files: dict[str, str], slot: Slot) -> Iterator[_Launch]:
        workdir = tempfile.mkdtemp(prefix="pt-sbx-")
        try:
            for name, text in files.items():
                with open(os.path.join(workdir, name), "w", encoding="utf-8", errors="surrogatepass") as f:
                    f.write(text)
            drop = slot.uid if self.slots.drop else None
            if drop is not None:
                for p in [workdir] + [os.path.join(workdir, n) for n in files]:
                    os.chown(p, drop, drop)
            env = {**ENV, "HOME": workdir, "TMPDIR": workdir}
            yield _Launch([self.python, "-I", "main.py"], workdir, env, drop_uid=drop)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _preexec(self, slot: Slot, timeout: float, drop_uid: int | None) -> Callable[[], None]:
        cpu = int(math.ceil(self.config.cpu_s or timeout))
        nproc = self.config.max_procs + 2 + (0 if self.slots.drop else tasks_of(os.getuid()))
        limits = [(resource.RLIMIT_CPU, (cpu, cpu + 1)), (resource.RLIMIT_AS, (self.config.memory_mb << 20,) * 2),
                  (resource.RLIMIT_NPROC, (nproc, nproc)), (resource.RLIMIT_FSIZE, (self.tmp_mb << 20,) * 2),
                  (resource.RLIMIT_CORE, (0, 0)), (resource.RLIMIT_NOFILE, (128, 128))]
        procs = [p.encode() for p in slot.procs_files]

        def preexec() -> None:  # runs in the child between fork and exec: keep it to plain syscalls
            for path in procs:
                fd = os.open(path, os.O_WRONLY)
                os.write(fd, b"0")
                os.close(fd)
            for which, value in limits:
                resource.setrlimit(which, value)
            if drop_uid is not None:
                os.setgroups([])
                os.setresgid(drop_uid, drop_uid, drop_uid)
                os.setresuid(drop_uid, drop_uid, drop_uid)

        return preexec

    # -- running it ----------------------------------------------------------------------------
    def _execute(self, launch: _Launch, preexec: Callable[[], None], stdin: str | None, timeout: float,
                 slot: Slot, keep: int) -> SandboxResult:
        started = time.monotonic()
        proc = subprocess.Popen(launch.argv, cwd=launch.cwd, env=launch.env, stdout=subprocess.PIPE,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, stderr=subprocess.PIPE,
                                pass_fds=launch.pass_fds, preexec_fn=preexec, start_new_session=True)
        overflow, grace = threading.Event(), 1.0 if self.isolation == "bwrap" else 0.0
        kill = functools.partial(terminate, proc, grace, overflow)
        out = Tail(proc.stdout, keep, self.config.max_output_bytes, kill)
        err = Tail(proc.stderr, self.config.tail_bytes, self.config.max_output_bytes, kill)
        if stdin is not None:
            threading.Thread(target=feed, args=(proc.stdin, stdin), daemon=True).start()
        limit = None
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            limit = "wall"
        terminate(proc, grace)
        self.slots.kill_all(slot)  # before joining the readers: nothing may keep the pipes open
        proc.wait()
        out.join(), err.join()
        limit = limit or ("output" if overflow.is_set() else None) or ("memory" if slot.oom_kills() else None)
        rc = proc.returncode
        if limit is None and rc in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
            limit = "cpu"
        if limit is None and launch.status_fd is not None and b'"exit-code"' not in read_all(launch.status_fd):
            return SandboxResult.failure("sandbox", f"bwrap did not run the program: {err.text()[-300:]}", started)
        status = {None: "ok", "wall": "timeout", "cpu": "timeout"}.get(limit, "error")
        return SandboxResult(status, rc, out.text(), err.text(), time.monotonic() - started, out.truncated or err.truncated,
                             info={"limit": limit} if limit else {})


@dataclass
class _Launch:
    """How to start one run: the command, where, with what env, which fds it inherits."""

    argv: list[str]
    cwd: str
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    drop_uid: int | None = None  # switch to this uid in preexec (rlimits fallback as root)
    status_fd: int | None = None  # bwrap's --json-status-fd, read end


@functools.lru_cache(maxsize=None)
def bwrap_problem(python: str = SANDBOX_PY, drop: bool = True, bwrap: str = BWRAP) -> str | None:
    """None when a bubblewrap sandbox actually starts here, else what is missing (one phrase)."""
    tools = [bwrap] + (["setpriv"] if drop else [])
    missing = [t for t in tools if not shutil.which(t)] + ([] if os.access(python, os.X_OK) else [python])
    if missing:
        return ", ".join(missing)
    probe = (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if drop else []) + [
        bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--ro-bind", "/", "/",
        "--proc", "/proc", "--dev", "/dev", "--", python, "-I", "-c", "pass"]
    try:
        r = subprocess.run(probe, capture_output=True, timeout=30, env=ENV)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"a working bwrap ({e})"
    return None if r.returncode == 0 else f"a working bwrap ({r.stderr.decode(errors='replace').strip()[:200]})"


def detect_isolation(python: str = SANDBOX_PY, drop: bool = True, bwrap: str = BWRAP) -> str:
    """"bwrap" when a bubblewrap sandbox actually starts here, else "rlimits" (no warning: callers decide)."""
    return "bwrap" if bwrap_problem(python, drop, bwrap) is None else "rlimits"
