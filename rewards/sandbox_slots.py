"""Execution slots for the local sandbox: a dedicated uid, optional cgroup v1 limits, cleanup.

Why: as root, RLIMIT_NPROC is not enforced, so every program runs as an unprivileged uid.
Each concurrent program gets its *own* uid (``uid_base + k``) so that one fork bomb cannot use
up the process budget of another, and so that killing "every process of that uid" after a run
hits only that program. Slots are claimed with ``flock`` on files under a root-only directory,
so sandboxes in different threads, objects and processes (Ray workers) never share a uid; the
kernel drops the lock if the holder dies.

When we are root and cgroup v1 is writable, each run also gets fresh cgroups, nested under our
own cgroup (so the limits of whoever runs us still apply): ``memory`` (RAM + swap of all processes plus
the tmpfs files they write: memory bombs in many processes cannot exhaust the host), ``pids``
and ``cpu`` (a CFS quota of ``cpus`` cores). They are removed after the run. Measured on the
CI machine kind (cgroups v1, root): a memcg OOM kills only inside the cgroup, tmpfs pages are
charged to it, and ``pids.max`` stops forks.
"""
from __future__ import annotations

import fcntl
import os
import random
import signal
import time
from contextlib import contextmanager
from typing import Iterator

CGROUP_ROOT = "/sys/fs/cgroup"
CONTROLLERS = ("memory", "pids", "cpu")


class Slot:
    def __init__(self, uid: int, cgroups: dict[str, str]):
        self.uid, self.cgroups = uid, cgroups

    @property
    def procs_files(self) -> list[str]:
        return [os.path.join(p, "cgroup.procs") for p in self.cgroups.values()]

    def oom_kills(self) -> int:
        """How many processes the memory cgroup's OOM killer has killed in this run."""
        path = self.cgroups.get("memory")
        try:
            with open(os.path.join(path, "memory.oom_control")) as f:  # type: ignore[arg-type]
                return next((int(l.split()[1]) for l in f if l.startswith("oom_kill ")), 0)
        except (OSError, TypeError, ValueError):
            return 0


def _own_cgroup(controller: str) -> str | None:
    """Our cgroup path in a v1 hierarchy, from /proc/self/cgroup (None if not mounted)."""
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if controller in ctrls.split(","):
                    base = os.path.join(CGROUP_ROOT, controller)
                    return base + path if os.path.isdir(base) else None
    except OSError:
        pass
    return None


def _can_make_child(parent: str) -> bool:
    probe = os.path.join(parent, f"posttrain-sandbox-probe-{os.getpid()}")
    try:
        os.mkdir(probe)
        os.rmdir(probe)
        return True
    except OSError:
        return False


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


class SlotPool:
    """Hands out slots; ``cgroups`` is True when every run also gets cgroup limits."""

    def __init__(self, uid_base: int = 61000, size: int = 64, drop_privileges: bool | None = None):
        self.uid_base, self.size = uid_base, size
        self.drop = os.geteuid() == 0 if drop_privileges is None else drop_privileges
        self.lock_dir = "/run/lock/posttrain-sandbox" if os.path.isdir("/run/lock") and self.drop else \
            os.path.join("/tmp", f"posttrain-sandbox-{os.geteuid()}")
        os.makedirs(self.lock_dir, mode=0o700, exist_ok=True)
        self.parents = {c: _own_cgroup(c) for c in CONTROLLERS} if self.drop else {}
        self.cgroups = bool(self.parents) and all(p and _can_make_child(p) for p in self.parents.values())

    @contextmanager
    def slot(self, memory_bytes: int, max_procs: int, cpus: float, wait_s: float = 120.0) -> Iterator[Slot]:
        fd, uid = self._lock(wait_s)
        slot = Slot(uid, {})
        try:
            if self.cgroups:
                slot.cgroups = self._make_cgroups(uid, memory_bytes, max_procs, cpus)
            yield slot
        finally:
            self.kill_all(slot)
            for path in slot.cgroups.values():
                _rmdir(path)
            os.close(fd)

    def _lock(self, wait_s: float) -> tuple[int, int]:
        deadline = time.monotonic() + wait_s
        while True:
            for k in random.sample(range(self.size), self.size):
                fd = os.open(os.path.join(self.lock_dir, f"uid-{self.uid_base + k}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd, self.uid_base + k
                except BlockingIOError:
                    os.close(fd)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no free sandbox slot in {wait_s:.0f}s ({self.size} slots)")
            time.sleep(0.02)

    def _make_cgroups(self, uid: int, memory_bytes: int, max_procs: int, cpus: float) -> dict[str, str]:
        paths = {c: os.path.join(p, f"posttrain-sandbox-{uid}") for c, p in self.parents.items() if p}
        for path in paths.values():
            if os.path.isdir(path):  # left over from a crashed run: empty it and start fresh
                _kill_procs(os.path.join(path, "cgroup.procs"))
                _rmdir(path)
            os.mkdir(path)
        _write(os.path.join(paths["memory"], "memory.limit_in_bytes"), str(memory_bytes))
        memsw = os.path.join(paths["memory"], "memory.memsw.limit_in_bytes")
        if os.path.exists(memsw):  # on a host with swap, RAM + swap: else the program swaps instead of OOM
            _write(memsw, str(memory_bytes))
        _write(os.path.join(paths["pids"], "pids.max"), str(max_procs))
        period = 100_000
        _write(os.path.join(paths["cpu"], "cpu.cfs_period_us"), str(period))
        _write(os.path.join(paths["cpu"], "cpu.cfs_quota_us"), str(max(1000, int(period * cpus))))
        return paths

    def kill_all(self, slot: Slot, rounds: int = 200) -> None:
        """SIGKILL whatever of the program is still alive (fork bombs respawn: repeat until none)."""
        for _ in range(rounds):
            alive = sum(_kill_procs(p) for p in slot.procs_files)
            if self.drop:
                alive += _kill_uid(slot.uid)
            if not alive:
                return
            time.sleep(0.01)


def _kill_procs(procs_file: str) -> int:
    try:
        with open(procs_file) as f:
            pids = [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        return 0
    return sum(_kill(pid) for pid in pids)


def _kill_uid(uid: int) -> int:
    """SIGKILL every process owned by ``uid`` (a uid only sandbox programs use). Returns how many."""
    n = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                owner = os.stat(f"/proc/{name}").st_uid
            except OSError:
                continue
            if owner == uid:
                n += _kill(int(name))
    return n


def _kill(pid: int) -> int:
    """SIGKILL ``pid``; 1 if it was alive (zombies only wait to be reaped and do not count)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                return 0
        os.kill(pid, signal.SIGKILL)
        return 1
    except (OSError, IndexError):
        return 0


def _rmdir(path: str) -> None:
    for _ in range(100):  # the kernel needs a moment after the last task exits
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)
