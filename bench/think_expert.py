"""Does an expert trained with ``mode: both`` write thinking rows that distillation keeps? (issue 28)

    python -m bench.think_expert                      # logic expert, 12 steps, then distill 16 prompts
    python -m bench.think_expert --steps 6 --prompts 8
    python -m bench.think_expert --close-think 32 --expert-run /tmp/think_expert_x/run   # budget forcing on

Runs two real stages on the embedded SmolLM2-135M-Instruct: ``expert:logic`` (GRPO, LoRA r16, lr 3e-4,
2 prompts x 8 completions per step, as configs/demo.yaml's logic expert) with ``mode: both``
(non-thinking rows 40 tokens, thinking rows ``--thinking-tokens``), rewarded by exact_match + the format
reward (require_boxed, judged in each row's mode); then ``distill`` from that expert in both modes
(min_reward 0: clean rows whatever their correctness). Records the expert's reward trend and, per
mode, distillation generated / kept / kept correct and the rejection reasons. The base model's numbers
on the same kind of prompts are in bench/results/thinking_budget.json (0 of 32 thinking rows kept).
``--close-think N`` turns on budget forcing (pipeline/distill/close_think.py) and writes
bench/results/think_expert_close.json instead. Writes bench/results/think_expert.json.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import ensure_preload, vllm_env, write_result


def _config(out: Path, args: argparse.Namespace) -> Any:
    from pipeline.config import parse_config

    return parse_config({
        "model": "smollm2-135m-instruct", "seed": 0, "output_dir": str(out), "domains": ["logic"],
        "stages": ["expert", "distill"],
        "experts": {"logic": {"steps": args.steps, "group_size": 8, "prompts_per_step": 2, "max_tokens": 40,
                              "thinking_max_tokens": args.thinking_tokens, "learning_rate": 3.0e-4, "mode": "both",
                              "lora": {"r": 16, "alpha": 32}}},
        "rewards": {"logic": [{"name": "exact_match", "weight": 1.0},
                              {"name": "format", "weight": 0.5, "params": {"require_boxed": True}}]},
        "data": {"logic": {"train_size": 128, "eval_size": 2}},
        "distill": {"modes": ["non_thinking", "thinking"], "prompts_per_domain": args.prompts, "samples_per_prompt": 2,
                    "keep_per_prompt": 1, "min_reward": 0.0, "shard_size": args.prompts, "max_tokens": 48,
                    "budget": {"thinking_max_tokens": args.thinking_tokens + 16, "close_think": args.close_think}},
        "rollout": {"backend": "vllm", "max_tokens": 48, "max_model_len": 1024, "kv_cache_gb": 1},
        "logging": {"report_to": []}})


def _correct_kept(run: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    out: dict[str, int] = {}
    for f in sorted((run / "distill" / "data").glob("*.parquet")):
        for r in pq.read_table(f).to_pylist():
            ok = (json.loads(r["components"]).get("exact_match") or 0) >= 1.0
            out[r["mode"]] = out.get(r["mode"], 0) + int(ok)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--prompts", type=int, default=16, help="distillation prompts (x 2 samples per mode)")
    p.add_argument("--thinking-tokens", type=int, default=80, help="experts.logic.thinking_max_tokens")
    p.add_argument("--close-think", type=int, default=0, help="distill.budget.close_think (budget forcing; 0 = off)")
    p.add_argument("--expert-run", default=None, help="the run dir of an earlier run of this bench (its expert:logic "
                   "stage runs again, same seed and config: the same expert)")
    p.add_argument("--out-dir", default=None)
    args = p.parse_args(argv)
    ensure_preload()
    vllm_env(1)
    from pipeline.run.manifest import read_manifest
    from pipeline.run.orchestrator import run_single_stage

    run = Path(args.expert_run) if args.expert_run else Path(tempfile.mkdtemp(prefix="think_expert_")) / "run"
    cfg = _config(run, args)
    times = {}
    for stage in ("expert:logic", "distill"):
        t = time.perf_counter()
        if run_single_stage(cfg, stage) != 0:
            raise SystemExit(f"{stage} failed (see {run})")
        times[stage] = round(time.perf_counter() - t, 1)
    expert = read_manifest(run, "expert:logic")["metrics"]
    shards = json.loads((run / "distill" / "shards.json").read_text())
    correct = _correct_kept(run)
    groups = {}
    for rec in shards.values():
        g = groups.setdefault(rec["mode"], {"generated": 0, "kept": 0, "think_closed": 0, "rejected": {}})
        g["generated"] += rec["generated"]
        g["kept"] += rec["rows"]
        g["think_closed"] += rec.get("think_closed", 0)
        for k, v in rec["rejected"].items():
            g["rejected"][k] = g["rejected"].get(k, 0) + v
    for mode, g in groups.items():
        g["kept_correct"] = correct.get(mode, 0)
    results = {"expert": {k: expert.get(k) for k in ("reward_first", "reward_last", "reward_delta", "global_step")},
               "distill": groups, "seconds": times, "run_dir": str(run)}
    notes = ["other helpers loaded the same 2 CPU cores during the run: seconds are noisy, counts are not",
             "baseline: the base model keeps 0/32 logic thinking rows at 48-192 tokens (bench/results/thinking_budget.json)"]
    path = write_result("think_expert" + ("_close" if args.close_think else ""), vars(args), results, notes, out_dir=args.out_dir)
    print(json.dumps(results, indent=1))
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
