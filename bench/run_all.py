"""Run every benchmark module in bench/ and print a summary table of bench/results/*.json.

    python -m bench.run_all                 # realistic sizes (make bench; long on 2 cores)
    python -m bench.run_all --quick         # smoke sizes; modules without --quick are skipped
    python -m bench.run_all --only rollout rewards
    python -m bench.run_all --summary-only  # just print the table of existing results

Each module runs in its own process (``python -m bench.<name>``) so engines and memory do not
leak between them and one failure does not stop the rest. A module is any bench/*.py with a
``main`` other than this file and common.py. The table shows a few headline numbers per
result file (a summariser per bench name; numbers at the top level otherwise), and
``bench/results/ratios.json`` collects every ratio to a limit or a reference with its goal
(fraction of the decode limit, step time over its compute estimate, stage generation over raw
vLLM), each next to the command that measures it.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from pipeline.io import write_text_atomic

from .common import RESULTS, ROOT

BENCH_DIR = ROOT / "bench"
NOT_MODULES = {"__init__", "common", "run_all"}
CUDA_ONLY = {"gpu_check"}  # scripts/gpu_check.sh runs it on a GPU machine


def _cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:  # noqa: BLE001 - no usable torch means no GPU
        return False


def discover() -> list[str]:
    """Bench module names, in a stable order (the machine's limits first, then the cheap ones)."""
    first = ["roofline", "rewards", "rollout", "overhead", "distill", "eval", "levers"]
    skip = NOT_MODULES | (set() if _cuda() else CUDA_ONLY)
    names = [p.stem for p in BENCH_DIR.glob("*.py") if p.stem not in skip and "def main" in p.read_text()]
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


def _roofline(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [("matmul GFLOP/s", r["matmul_gflops"]), ("mem read GB/s", r["mem_read_gb_per_s"])] + [
        (f"decode limit tok/s @{b}", v) for b, v in r["decode_limit_tokens_per_s"].items()]


def _rollout(r: dict[str, Any]) -> list[tuple[str, Any]]:
    out = [(f"{b} tok/s", r[b]["tokens_per_s"]) for b in ("vllm", "hf") if b in r]
    out += [(f"{b} / decode limit (goal 0.5)", r[b]["fraction_of_decode_limit"]) for b in ("vllm", "hf")
            if b in r and "fraction_of_decode_limit" in r[b]]
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


def _overhead(r: dict[str, Any]) -> list[tuple[str, Any]]:
    out = [(f"{k} s/step", r[k]["mean_s"]) for k in ("posttrain", "plain_trl") if r.get(k, {}).get("mean_s")]
    out += [(k, r[k]) for k in ("posttrain_over_plain_step", "reward_share_of_step") if k in r]
    if r.get("step_over_compute_estimate") is not None:
        out.append(("step / compute estimate (goal 1.5)", r["step_over_compute_estimate"]))
    return out


def _eval(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(k, r[k]) for k in ("eval_over_raw",) if k in r] + [
        (f"{k} tok/s", r[k]["tokens_per_s"]) for k in ("raw", "eval") if isinstance(r.get(k), dict)]


def _levers(r: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{v} / decode limit", "  ".join(str(x) for x in d["fraction_per_round"])) for v, d in r.items()
            if isinstance(d, dict) and "fraction_per_round" in d]


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
    "roofline": _roofline, "overhead": _overhead, "eval": _eval, "levers": _levers, "rollout": _rollout,
    "rollout_bf16": _rollout, "overhead_bf16": _overhead, "roofline_bf16": _roofline, "rewards": _rewards, "distill": _distill, "demo": _demo, "recipe": _recipe,
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


# (bench, dotted path in results, goal, command that measures it)
RATIOS: tuple[tuple[str, str, str, str], ...] = (
    ("rollout", "vllm.fraction_of_decode_limit", ">= 0.5", "python -m bench.rollout"),
    ("rollout", "hf.fraction_of_decode_limit", "-", "python -m bench.rollout"),
    ("rollout", "vllm_over_hf", ">= 1.1", "python -m bench.rollout"),
    ("rollout_bf16", "vllm.fraction_of_decode_limit", "- (of the bf16 limit)", "python -m bench.rollout --backends vllm --dtype bf16"),
    ("rollout_bf16", "vllm.fraction_of_fp32_decode_limit", ">= 0.5", "python -m bench.rollout --backends vllm --dtype bf16"),
    ("overhead", "step_over_compute_estimate", "<= 1.5", "python -m bench.overhead"),
    ("overhead", "posttrain_over_plain_step", "<= 1.05", "python -m bench.overhead"),
    ("overhead_bf16", "step_over_compute_estimate", "- (of the bf16 estimate)", "python -m bench.overhead --dtype bf16"),
    ("overhead_bf16", "step_over_fp32_compute_estimate", "<= 1.5", "python -m bench.overhead --dtype bf16"),
    ("overhead_bf16", "posttrain_over_plain_step", "<= 1.05", "python -m bench.overhead --dtype bf16"),
    ("distill", "distill_over_raw", ">= 0.9", "python -m bench.distill"),
    ("distill", "distill_fraction_of_decode_limit", "-", "python -m bench.distill"),
    ("eval", "eval_over_raw", ">= 0.9", "python -m bench.eval"),
)


def _dig(d: Any, path: str) -> Any:
    for k in path.split("."):
        d = d.get(k) if isinstance(d, dict) else None
    return d


def collect_ratios(results_dir: Path = RESULTS) -> list[dict[str, Any]]:
    """Every ratio of RATIOS that a result file holds, with its goal, sizes and command."""
    out = []
    for bench, path, goal, cmd in RATIOS:
        f = results_dir / f"{bench}.json"
        if not f.is_file():
            continue
        data = json.loads(f.read_text())
        value = _dig(data.get("results", {}), path)
        if value is not None:
            out.append({"bench": bench, "ratio": path, "value": value, "goal": goal, "command": cmd,
                        "quick": bool(data.get("args", {}).get("quick")), "created_utc": data.get("created_utc"),
                        "loadavg_1_5_15": data.get("environment", {}).get("loadavg_1_5_15")})
    return out


def write_ratios(results_dir: Path = RESULTS) -> Path:
    path = results_dir / "ratios.json"
    write_text_atomic(path, json.dumps({"ratios": collect_ratios(results_dir)}, indent=2) + "\n")
    return path


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
    print(f"ratios: {write_ratios()}")
    return 0 if all(r["status"].startswith(("ok", "skipped")) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
