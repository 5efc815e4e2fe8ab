"""Run every benchmark module in bench/ and print a summary table of bench/results/*.json.

    python -m bench.run_all                 # full sizes (long on 2 cores)
    python -m bench.run_all --quick         # small sizes; modules without --quick are skipped
    python -m bench.run_all --only rollout rewards
    python -m bench.run_all --summary-only  # just print the table of existing results

Each module runs in its own process (``python -m bench.<name>``) so engines and memory do not
leak between them and one failure does not stop the rest. A module is any bench/*.py with a
``main`` other than this file and common.py. The table shows a few headline numbers per
result file (a summariser per bench name; numbers at the top level otherwise).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from .common import RESULTS, ROOT

BENCH_DIR = ROOT / "bench"
NOT_MODULES = {"__init__", "common", "run_all"}


def discover() -> list[str]:
    """Bench module names, in a stable order (the cheap ones first)."""
    first = ["rewards", "rollout", "overhead"]
    names = [p.stem for p in BENCH_DIR.glob("*.py") if p.stem not in NOT_MODULES and "def main" in p.read_text()]
    return sorted(names, key=lambda n: (first.index(n) if n in first else len(first), n))


def supports_quick(name: str) -> bool:
    return '"--quick"' in (BENCH_DIR / f"{name}.py").read_text()


def run_module(name: str, quick: bool, timeout_s: float | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", f"bench.{name}", *(["--quick"] if quick else [])]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, timeout=timeout_s)
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    except subprocess.TimeoutExpired:
        status = f"timeout after {timeout_s:.0f}s"
    return {"module": name, "status": status, "seconds": round(time.perf_counter() - t0, 1)}


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def _rollout(r: dict[str, Any]) -> list[tuple[str, Any]]:
    out = [(f"{b} tok/s", r[b]["tokens_per_s"]) for b in ("vllm", "hf") if b in r]
    out += [(f"{b} sync s", r[b]["weight_sync"]["mean_s"]) for b in ("vllm", "hf") if b in r]
    if "vllm_over_hf" in r:
        out.append(("vLLM/HF (goal 1.1)", r["vllm_over_hf"]))
    return out


def _rewards(r: dict[str, Any]) -> list[tuple[str, Any]]:
    out = [(f"{k} rows/s", v["rows_per_s"]) for k, v in r.get("rule_rewards", {}).items()]
    out += [(f"sandbox {k} progs/s", v["programs_per_s"]) for k, v in r.get("sandbox", {}).items() if isinstance(v, dict)]
    j = r.get("judge", {})
    for k in ("unguided_batched", "guided_batched", "guided_one_at_a_time"):
        if k in j:
            out += [(f"judge {k} rows/s", j[k]["rows_per_s"]), (f"judge {k} parse@1", j[k]["parse_rate_first_attempt"])]
    return out


def _distill(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [("raw vLLM tok/s", r["raw"]["tokens_per_s"]), ("distill tok/s", r["distill"]["tokens_per_s"]),
            ("distill/raw (goal 0.9)", r["distill_over_raw"]), ("score+filter ms/sample", r["score_filter"]["ms_per_sample"])]


def _demo(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [("wall min (goal 15)", round(r["wall_s"] / 60, 2)), ("exit status", r["returncode"])] + [
        (f"{k} s", v["duration_s"]) for k, v in r["stages"].items()]


def _learning(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{k} ({len(r['runs'])}-seed mean)", v) for k, v in r["mean"].items()]


def _recipe(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{m} {d} {c['metric']}", f"{c['mean']:.3f}±{c['stdev']:.3f}") for m, ds in r["models"].items()
            for d, c in sorted(ds.items())]


def _generic(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)][:8]


SUMMARIES: dict[str, Callable[[dict[str, Any]], list[tuple[str, Any]]]] = {
    "rollout": _rollout, "rewards": _rewards, "distill": _distill, "demo": _demo, "recipe": _recipe,
    "learning": _learning}


def summary_rows(results_dir: Path = RESULTS) -> list[tuple[str, str, str, str]]:
    """(file, metric, value, args) rows for every result file."""
    rows = []
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            rows.append((path.name, "unreadable", str(e)[:60], ""))
            continue
        res = data.get("results", data)
        fn = SUMMARIES.get(data.get("bench", path.stem), _generic)
        try:
            items = fn(res)
        except (KeyError, TypeError) as e:
            items = [("summary failed", f"{type(e).__name__}: {e}")]
        args = data.get("args", {})
        quick = "quick" if args.get("quick") else ""
        for metric, value in items:
            rows.append((path.name, metric, _fmt(value), quick))
    return rows


def print_summary(runs: list[dict[str, Any]], results_dir: Path = RESULTS) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if runs:
        t = Table(title="bench runs")
        for col in ("module", "status", "seconds"):
            t.add_column(col)
        for r in runs:
            t.add_row(r["module"], r["status"], str(r["seconds"]))
        console.print(t)
    t = Table(title=f"results in {results_dir}")
    for col in ("file", "metric", "value", "mode"):
        t.add_column(col)
    for row in summary_rows(results_dir):
        t.add_row(*row)
    console.print(t)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="pass --quick; skip modules that lack it")
    p.add_argument("--only", nargs="*", default=None, help="module names to run")
    p.add_argument("--summary-only", action="store_true")
    p.add_argument("--timeout", type=float, default=None, help="seconds per module")
    args = p.parse_args(argv)
    runs = []
    if not args.summary_only:
        for name in discover():
            if args.only is not None and name not in args.only:
                continue
            if args.quick and not supports_quick(name):
                runs.append({"module": name, "status": "skipped (no --quick)", "seconds": 0.0})
                continue
            runs.append(run_module(name, args.quick, args.timeout))
    print_summary(runs)
    return 0 if all(r["status"].startswith(("ok", "skipped")) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
