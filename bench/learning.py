"""Proof of learning for an expert: GRPO on the embedded model with fixed seeds, then the
held-out split scored before and after with the same rewards.

    python -m bench.learning --domain math --steps 30 --seeds 0 1 2

Writes bench/results/learning_<domain>.json: per seed, the training reward of the first and
last third of the steps, and held-out reward / accuracy / format rate for base vs expert.
Numbers are reported as measured, including when they do not improve.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _summary(metrics: dict[str, float]) -> dict[str, float]:
    keys = ("reward_mean", "pass@1", "format", "unparseable_rate", "length_mean")
    return {k: round(metrics[k], 4) for k in keys if k in metrics}


def run_seed(domain: str, steps: int, seed: int, overrides: list[str], eval_size: int) -> dict[str, Any]:
    from pipeline.config import load_config
    from pipeline.run.manifest import read_manifest
    from pipeline.run.orchestrator import run_single_stage
    from pipeline.stages.evaluate import evaluate_model, eval_rows

    cfg_path = Path(__file__).resolve().parents[1] / "configs" / "demo.yaml"
    with tempfile.TemporaryDirectory(prefix="posttrain-learning-") as run_dir:
        cfg = load_config(cfg_path, [f"domains=[{domain}]", f"seed={seed}", f"experts.{domain}.steps={steps}",
                                     f"data.{domain}.eval_size={eval_size}", "eval.samples=4", "eval.pass_k=[1]",
                                     "logging.report_to=[]", *overrides])
        cfg.output_dir = run_dir
        t0 = time.time()
        run_single_stage(cfg, f"expert:{domain}")
        train_s = time.time() - t0
        m = read_manifest(Path(run_dir), f"expert:{domain}")
        rows = eval_rows(cfg)
        before, _ = evaluate_model(cfg, cfg.model, rows)
        after, _ = evaluate_model(cfg, m["outputs"]["checkpoint"], rows)
    return {"seed": seed, "train_s": round(train_s, 1), "train": {k: m["metrics"].get(k) for k in
                                                                   ("reward_first", "reward_last", "reward_delta")},
            "heldout_base": _summary(before[domain]), "heldout_expert": _summary(after[domain])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--domain", default="math")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--eval-size", type=int, default=32)
    p.add_argument("overrides", nargs="*", help="extra config overrides, e.g. experts.math.mode=non_thinking")
    args = p.parse_args(argv)
    runs = [run_seed(args.domain, args.steps, s, args.overrides, args.eval_size) for s in args.seeds]

    def mean(path: tuple[str, str]) -> float:
        vals = [r[path[0]].get(path[1]) for r in runs if r[path[0]].get(path[1]) is not None]
        return round(statistics.mean(vals), 4) if vals else float("nan")

    out = {"bench": "learning", "domain": args.domain, "steps": args.steps, "args": vars(args), "runs": runs,
           "mean": {f"{a}.{b}": mean((a, b)) for a, b in [("train", "reward_first"), ("train", "reward_last"),
                                                           ("heldout_base", "reward_mean"), ("heldout_expert", "reward_mean"),
                                                           ("heldout_base", "pass@1"), ("heldout_expert", "pass@1"),
                                                           ("heldout_base", "format"), ("heldout_expert", "format")]}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"learning_{args.domain}.json"
    path.write_text(json.dumps(out, indent=2))
    print(json.dumps(out["mean"], indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
