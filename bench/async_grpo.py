"""Synchronous vs asynchronous GRPO (grpo.async, max_staleness 1): wall time per step, where each side waits,
and the expert's held-out correctness, at the same sizes, in one run.

    python -m bench.async_grpo                  # configs/async_grpo.yaml, seeds 0 1 2 -> bench/results/async.json
    python -m bench.async_grpo --seeds 0 experts.logic.steps=4   # any config override for every run

Each (seed, mode) is ``posttrain run configs/async_grpo.yaml seed=S grpo.async.enabled=<mode> --output
runs/async_bench/<mode>_seed<S>``: the logic expert of the recipe proof (LoRA, dynamic sampling, 2 prompts x 8
completions per step), its engine in its own Ray actor with one core (``rollout.vllm_mode: server``,
``engine_num_cpus: 1``) and the trainer in a stage task with the other (``resources.expert.num_cpus: 1``; Ray
sets each side's thread count to its cores), then the eval stage on 64 held-out prompts x 2 samples.

Timing, per run, from the expert's train_log.jsonl (a ``time`` stamp per step) and its manifest metrics:
- ``step_s``: mean wall time per step over steps 2..N (step 1 carries start-up);
- synchronous: the trainer waits while the engine generates (``generate_s`` + ``sync_s``) and the engine waits
  while the trainer trains (the rest of the step);
- asynchronous: ``async.trainer_wait_s`` (the trainer blocked on the queue) and ``async.engine_wait_s`` (the
  worker idle, waiting for the next job and its weights), each as a share of the steps' wall time.

Learning: held-out correctness (bench/proof.py's metric and statistics: bootstrap over (seed, prompt) units,
paired async - sync over the same seed and prompt). "Not significantly worse" = the paired CI's upper end is >= 0.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .common import write_result
from .proof import Scores, paired, prompt_scores, score

ROOT = Path(__file__).resolve().parents[1]
MODES = {"sync": "false", "async": "true"}


def run(config: str, seed: int, mode: str, runs: Path, overrides: list[str]) -> tuple[int, Path]:
    out = runs / f"{mode}_seed{seed}"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", config, f"seed={seed}",
                           f"grpo.async.enabled={MODES[mode]}", *overrides, "--output", str(out)], cwd=ROOT)
    return proc.returncode, out


def timing(out: Path, mode: str) -> dict[str, Any]:
    stage = out / "expert_logic"
    log = [json.loads(x) for x in (stage / "train_log.jsonl").read_text().splitlines() if x.strip()]
    steps = [r for r in log if "reward" in r and "time" in r]
    metrics = json.loads((stage / "manifest.json").read_text())["metrics"]
    timed = steps[1:]  # steps 2..N: the span between the first and the last step's log line
    span = max(steps[-1]["time"] - steps[0]["time"], 1e-9)
    res: dict[str, Any] = {"steps_timed": len(timed), "step_s": round(span / max(len(timed), 1), 2),
                           "generate_s": metrics.get("generate_s"), "sync_s": metrics.get("sync_s")}
    if mode == "async":
        wait = {k: sum(r.get(f"async/{k}", 0.0) for r in timed)
                for k in ("trainer_wait_s", "engine_wait_s", "read_weights_s", "generate_s", "sync_s")}
        res.update(trainer_wait_share=round(wait["trainer_wait_s"] / span, 3),
                   engine_wait_share=round(wait["engine_wait_s"] / span, 3),
                   # where the step goes: the trainer reading weights, the engine loading them and generating
                   trainer_read_weights_share=round(wait["read_weights_s"] / span, 3),
                   engine_sync_share=round(wait["sync_s"] / span, 3), engine_generate_share=round(wait["generate_s"] / span, 3),
                   max_staleness_seen=metrics["async"]["max_staleness_seen"], regenerated=metrics["async"]["regenerated"])
    else:  # the stage's generation total, pro rata to the timed steps: the trainer waits, the engine works
        gen = ((metrics.get("generate_s") or 0.0) + (metrics.get("sync_s") or 0.0)) * len(timed) / len(steps)
        res.update(trainer_wait_share=round(gen / span, 3), engine_wait_share=round(1 - gen / span, 3))
    return res


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(ROOT / "configs" / "async_grpo.yaml"))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--runs", default=str(ROOT / "runs" / "async_bench"))
    p.add_argument("--reps", type=int, default=2000, help="bootstrap resamples")
    p.add_argument("--summarize-only", action="store_true", help="read the runs already under --runs, run nothing")
    p.add_argument("overrides", nargs="*", help="config overrides (key=value) for every run")
    args = p.parse_args(argv)
    runs = Path(args.runs)
    per_seed: dict[int, Scores] = {}
    times: dict[str, dict[str, Any]] = {m: {} for m in MODES}
    status: dict[str, int] = {}
    for seed in args.seeds:
        merged: Scores = {}
        for mode in MODES:
            out = runs / f"{mode}_seed{seed}"
            rc = 0 if args.summarize_only else run(args.config, seed, mode, runs, args.overrides)[0]
            status[f"{mode}_seed{seed}"] = rc
            if rc != 0:
                continue
            times[mode][str(seed)] = timing(out, mode)
            samples = [json.loads(x) for x in (out / "eval" / "samples.jsonl").read_text().splitlines() if x.strip()]
            for model, domains in prompt_scores(samples).items():
                if model.startswith("expert:"):
                    merged[f"{mode}:{model}"] = domains
                elif mode == "sync":
                    merged[model] = domains  # base: the same model in both runs
        per_seed[seed] = merged
    models = sorted({m for s in per_seed.values() for m in s})
    learning = {"scores": {m: score(per_seed, m, "logic", args.reps) for m in models},
                "paired": {name: paired(per_seed, a, b, "logic", args.reps) for name, a, b in [
                    ("async - sync", "async:expert:logic", "sync:expert:logic"),
                    ("sync - base", "sync:expert:logic", "base"), ("async - base", "async:expert:logic", "base")]}}
    d = learning["paired"]["async - sync"]
    learning["async_not_significantly_worse"] = bool(d["ci95"] is not None and d["ci95"][1] >= 0)
    mean = {m: round(sum(t["step_s"] for t in times[m].values()) / len(times[m]), 2) for m in MODES if times[m]}
    speed = {"step_s_mean": mean, "per_seed": times}
    if len(mean) == 2:
        speed["async_over_sync_step_time"] = round(mean["async"] / mean["sync"], 3)
    results = {"returncodes": status, "runs": str(runs), "overrides": args.overrides, "speed": speed,
               "learning": learning}
    notes = ["engine: Ray actor, 1 core (rollout.vllm_mode=server, engine_num_cpus=1); trainer: stage task, 1 core",
             "step_s: mean wall time per step over steps 2..N from train_log.jsonl time stamps",
             "learning: held-out logic correctness, 64 prompts x 2 samples per seed; paired bootstrap over (seed, prompt)"]
    path = write_result("async", vars(args), results, notes)
    print(json.dumps({"speed": {"step_s_mean": mean, "ratio": speed.get("async_over_sync_step_time")},
                      "async - sync": d}, indent=1))
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    raise SystemExit(1 if any(main()["returncodes"].values()) else 0)
