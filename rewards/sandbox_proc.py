"""Process plumbing for the local sandbox: bounded pipe readers, stdin feeding, killing a run
from the inside out, and counting a uid's tasks (for RLIMIT_NPROC when we are not root)."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import Any, Callable


def read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


class Tail:
    """Drain a pipe in a thread, keeping only its last ``keep`` bytes; past ``cap`` call ``on_overflow``."""

    def __init__(self, stream: Any, keep: int, cap: int, on_overflow: Callable[[], None]):
        self.stream, self.keep, self.cap, self.on_overflow = stream, keep, cap, on_overflow
        self.buf, self.total = bytearray(), 0
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        fd = self.stream.fileno()
        while chunk := os.read(fd, 65536):
            self.total += len(chunk)
            self.buf += chunk
            del self.buf[:-self.keep]
            if self.total > self.cap:
                self.on_overflow()
                return

    def join(self) -> None:
        self.thread.join(timeout=2.0)
        self.stream.close()

    @property
    def truncated(self) -> bool:
        return self.total > self.keep

    def text(self) -> str:
        return bytes(self.buf).decode("utf-8", "replace")


def feed(pipe: Any, text: str) -> None:
    try:
        pipe.write(text.encode())
        pipe.close()
    except OSError:  # the program exited or closed its stdin
        pass


def terminate(proc: subprocess.Popen, grace: float, flag: threading.Event | None = None) -> None:
    """Kill a run from the inside out: first the children of the process we started (for bwrap:
    the pid namespace's init, whose death takes the namespace down), so that bwrap reaps them
    instead of leaving orphans; then, after ``grace`` seconds, the whole process group."""
    if flag is not None:
        flag.set()
    if proc.poll() is None and grace > 0:
        for pid in _children(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        return []


def tasks_of(uid: int) -> int:
    """Tasks (threads included) that ``uid`` runs now: RLIMIT_NPROC counts all of them."""
    n = 0
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
            if int(status["Uid"].split()[0]) == uid:
                n += int(status["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return n
