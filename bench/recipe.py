"""The recipe's result over seeds: every model of the demo run (base, each expert, the distilled
SFT model, the final mixed model) scored on every domain's held-out split, per seed and on average.

    python -m bench.recipe --seeds 0 1 2      # runs/recipe/seed<S> (a finished seed is not rerun)

Each seed is ``posttrain run configs/demo.yaml seed=S --output runs/recipe/seed<S>``; the
orchestrator skips stages already complete for that config, so an interrupted or earlier run is
reused, not redone. Reports each domain's headline metric (pipeline.scoring.metrics.headline: pass@1 for
verifiable domains, the judge score for writing) per model: per-seed values, mean and spread.
Writes bench/results/recipe.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from .common import write_result

ROOT = Path(__file__).resolve().parents[1]


def aggregate(per_seed: dict[int, dict[str, dict[str, dict[str, float]]]]) -> dict[str, dict[str, Any]]:
    """{model: {domain: {metric, values, mean, stdev}}} over the seeds that have the model."""
    from pipeline.scoring.metrics import headline

    out: dict[str, dict[str, Any]] = {}
    for seed, models in per_seed.items():
        for model, domains in models.items():
            for domain, metrics in domains.items():
                key = headline(metrics)
                if key is None:
                    continue
                cell = out.setdefault(model, {}).setdefault(domain, {"metric": key, "values": {}})
                cell["values"][str(seed)] = round(metrics[key], 4)
    for domains in out.values():
        for cell in domains.values():
            vals = list(cell["values"].values())
            cell["mean"] = round(statistics.mean(vals), 4)
            cell["stdev"] = round(statistics.stdev(vals), 4) if len(vals) > 1 else 0.0
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--config", default=str(ROOT / "configs" / "demo.yaml"))
    p.add_argument("--runs", default=str(ROOT / "runs" / "recipe"), help="parent folder of the per-seed runs")
    p.add_argument("overrides", nargs="*", help="config overrides (key=value) for every seed")
    args = p.parse_args(argv)
    per_seed: dict[int, Any] = {}
    status: dict[str, int] = {}
    for seed in args.seeds:
        out = Path(args.runs) / f"seed{seed}"
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", args.config, f"seed={seed}", *args.overrides,
                               "--output", str(out)], cwd=ROOT)
        status[str(seed)] = proc.returncode
        metrics = out / "eval" / "metrics.json"
        if proc.returncode == 0 and metrics.exists():
            per_seed[seed] = json.loads(metrics.read_text())["models"]
    results = {"returncodes": status, "models": aggregate(per_seed), "runs": args.runs}
    notes = ["headline metric per domain: pass@1 where answers are verifiable, rubric_judge for writing",
             "sft = the distilled general model; mixed = the final model after mixed GRPO"]
    path = write_result("recipe", vars(args), results, notes)
    for model, domains in results["models"].items():
        print(f"{model:14s} " + "  ".join(f"{d} {c['mean']:.3f}±{c['stdev']:.3f}" for d, c in sorted(domains.items())))
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
