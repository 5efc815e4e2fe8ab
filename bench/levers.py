"""What each vLLM-on-CPU lever does to rollout throughput, as a fraction of the decode limit.

    python -m bench.levers                                  # every variant, each run twice
    python -m bench.levers --variants baseline preload_both --rounds 2
    python -m bench.levers --quick                          # 2 variants, 1 round, 32 sequences

Each variant is one ``python -m bench.rollout --backends vllm`` process with its own environment
(a preload has to be in place before the process starts, so it cannot be toggled inside one
process). That process measures the roofline itself before and after its timed generate calls,
so every number here is a ratio taken within one process run: the load other jobs put on a
shared machine moves the limit and the throughput together. Variants run interleaved, round
after round (A B C, A B C), so a change in load hits all of them alike; the spread between the
rounds shows how stable a ratio is. Writes bench/results/levers.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import ROOT, preload_libs, write_result


def variants() -> dict[str, tuple[dict[str, str], list[str]]]:
    """name -> (environment changes, extra bench.rollout arguments)."""
    libs = preload_libs()
    none = {"POSTTRAIN_PRELOAD": "0", "LD_PRELOAD": ""}
    only = lambda *names: {"POSTTRAIN_PRELOAD": "0", "LD_PRELOAD": ":".join(libs[n] for n in names if n in libs)}  # noqa: E731
    return {
        "baseline": (none, []),
        "preload_tcmalloc": (only("tcmalloc"), []),
        "preload_iomp": (only("iomp"), []),
        "preload_both": (only("tcmalloc", "iomp"), []),
        "both_nobind": ({**only("tcmalloc", "iomp"), "VLLM_CPU_OMP_THREADS_BIND": "nobind"}, []),
        "both_bind_all_cores": ({**only("tcmalloc", "iomp"), "VLLM_CPU_OMP_THREADS_BIND": f"0-{os.cpu_count() - 1}"}, []),
        "both_no_prefix_cache": (only("tcmalloc", "iomp"), ["--no-prefix-caching"]),
        "both_128_seqs": (only("tcmalloc", "iomp"), ["--prompts", "32"]),
    }


def run_variant(name: str, env_changes: dict[str, str], extra: list[str], base: list[str], timeout_s: float) -> dict[str, Any]:
    env = {**os.environ, **env_changes}
    if not env.get("LD_PRELOAD"):
        env.pop("LD_PRELOAD", None)
    with tempfile.TemporaryDirectory(prefix=f"levers-{name}-") as d:
        cmd = [sys.executable, "-m", "bench.rollout", "--backends", "vllm", *base, *extra, "--out-dir", d]
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"status": f"timeout after {timeout_s:.0f}s"}
        path = Path(d) / "rollout.json"
        if proc.returncode != 0 or not path.is_file():
            return {"status": f"exit {proc.returncode}", "stderr_tail": proc.stderr[-1500:]}
        res = json.loads(path.read_text())["results"]
    bind = [line.strip() for line in proc.stdout.splitlines() + proc.stderr.splitlines() if "core ids=" in line]
    return {"status": "ok", "tokens_per_s": res["vllm"]["tokens_per_s"],
            "fraction_of_decode_limit": res["vllm"]["fraction_of_decode_limit"],
            "decode_limit_tokens_per_s": res["roofline"]["decode_limit_tokens_per_s"],
            "matmul_gflops": res["roofline"]["matmul_gflops"], "sequences": res["roofline"]["sequences"],
            "ld_preload": res["ld_preload"], "omp_threads_bind": res["omp_threads_bind"], "bound_cores": bind[:2],
            "startup_s": res["vllm"]["startup_s"], "runs": res["vllm"]["runs"]}


def summarize_variant(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["status"] == "ok"]
    fr = [r["fraction_of_decode_limit"] for r in ok]
    tps = [r["tokens_per_s"] for r in ok]
    return {"rounds": runs, "fraction_mean": round(statistics.fmean(fr), 3) if fr else None,
            "fraction_per_round": fr, "tokens_per_s_per_round": tps}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    table = variants()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variants", nargs="+", default=list(table), choices=list(table))
    p.add_argument("--rounds", type=int, default=2, help="times each variant runs (interleaved)")
    p.add_argument("--prompts", type=int, default=16)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--timeout", type=float, default=420, help="seconds per variant run")
    p.add_argument("--quick", action="store_true", help="baseline + preload_both, 1 round, 8 prompts x 4")
    p.add_argument("--out-dir", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.variants, args.rounds, args.prompts = ["baseline", "preload_both"], 1, 8
    base = ["--prompts", str(args.prompts), "--n", str(args.n), "--max-tokens", str(args.max_tokens),
            "--repeats", "1", "--sync-repeats", "1", "--roofline-budget-s", "0.5"]
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in args.variants}
    for rnd in range(args.rounds):
        for v in args.variants:
            env_changes, extra = table[v]
            runs[v].append(run_variant(v, env_changes, extra, base, args.timeout))
            print(f"round {rnd + 1} {v}: {json.dumps({k: runs[v][-1].get(k) for k in ('status', 'tokens_per_s', 'fraction_of_decode_limit')})}",
                  flush=True)
    results = {v: summarize_variant(r) for v, r in runs.items()}
    notes = ["each round of each variant is its own bench.rollout process; fraction = tokens/s over that process's "
             "own decode limit (roofline before and after the timed call)",
             "measured on a shared 2-core machine while other jobs ran: compare fractions, not tokens/s"]
    path = write_result("levers", vars(args), results, notes, args.out_dir)
    for v, r in results.items():
        print(f"{v:24s} fraction {r['fraction_per_round']}  tok/s {r['tokens_per_s_per_round']}")
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
