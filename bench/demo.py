"""Wall time of the embedded default: ``posttrain run configs/demo.yaml``, total and per stage.

    python -m bench.demo                      # fresh run into a temporary folder (goal <= 15 min)
    python -m bench.demo --output runs/demo   # keep the run (its report lands in runs/demo/report/)

Runs the real command in a subprocess (Ray start-up included), then reads every stage's
manifest for its duration and headline metrics. The machine's roofline (``bench.roofline``, fp32) is
measured just before the run and recorded with it (``results.roofline``): the run estimate
(pipeline/run/estimate.py) scales its reference from that figure. The model download is done before the timer
starts (``posttrain model fetch``), as a user's second run would find it cached.
Writes bench/results/demo.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import write_result

GOAL_S = 15 * 60
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(ROOT / "configs" / "demo.yaml"))
    p.add_argument("--output", default=None, help="run directory (default: a fresh temporary folder)")
    p.add_argument("--result-name", default="demo", help="bench/results/<name>.json to write")
    p.add_argument("overrides", nargs="*", help="config overrides (key=value)")
    args = p.parse_args(argv)
    posttrain = [sys.executable, "-m", "pipeline.cli"]
    subprocess.run([*posttrain, "model", "fetch"], check=True, capture_output=True)
    from .roofline import measure

    roof = measure(1.0).summary()  # the machine the time was measured on (pipeline/run/estimate.py scales from it)
    out = Path(args.output) if args.output else Path(tempfile.mkdtemp(prefix="posttrain-demo-"))
    t0 = time.time()
    proc = subprocess.run([*posttrain, "run", args.config, "--output", str(out), *args.overrides])
    wall = time.time() - t0
    stages = {}
    for manifest in sorted(out.glob("*/manifest.json"), key=lambda m: json.loads(m.read_text()).get("started", 0)):
        m = json.loads(manifest.read_text())
        stages[m["stage"]] = {"status": m["status"], "duration_s": m.get("duration_s"), "attempt": m.get("attempt")}
    results = {"returncode": proc.returncode, "wall_s": round(wall, 1), "goal_s": GOAL_S, "meets_goal": proc.returncode == 0
               and wall <= GOAL_S, "stages": stages, "stage_sum_s": round(sum(s["duration_s"] or 0 for s in stages.values()), 1),
               "run_dir": str(out), "roofline": roof}
    metrics = out / "eval" / "metrics.json"
    if metrics.exists():
        results["eval"] = json.loads(metrics.read_text())["models"]
    notes = ["wall_s includes Ray start-up and the driver; stage durations come from each manifest",
             "measured on a shared machine; see environment.loadavg_1_5_15"]
    path = write_result(args.result_name, vars(args), results, notes)
    print(f"demo: rc={proc.returncode} wall {wall / 60:.1f} min (goal <= {GOAL_S // 60}); "
          + ", ".join(f"{k} {v['duration_s']}s" for k, v in stages.items()) + f"; wrote {path}")
    return results


if __name__ == "__main__":
    main()
