"""How many thinking-mode distillation samples survive the filters at each token budget (issue 28).

    python -m bench.thinking_budget --quick              # 8 prompts per domain, n=2
    python -m bench.thinking_budget --prompts 16 --budgets 48 96 192

One warm engine (the embedded SmolLM2-135M-Instruct on vLLM, the *base* model: no expert trained).
For math and logic, the distill stage's own path (pipeline/distill/generate.sample_shard, then the
reward router and pipeline/stages/distill.filter_shard with min_reward 0, i.e. clean answers
whatever their correctness) runs on the same prompts and seed in non-thinking mode at the smallest
budget and in thinking mode at every budget. Per (domain, mode, budget) it records generated, kept,
the rejection reasons, the correct share of kept rows and the samples that ended (EOS) inside an
unclosed ``<think>`` block: what a larger thinking budget buys and what only training the think
format (experts with ``mode: both`` and the format reward) can fix.
Writes bench/results/thinking_budget.json.
"""
from __future__ import annotations

import argparse
from typing import Any

from .common import Timer, ensure_preload, vllm_env, write_result


def _group(cfg: Any, engine: Any, router: Any, domain: str, rows: list[dict[str, Any]], mode: str, budget: int,
           n: int) -> dict[str, Any]:
    from pipeline.distill.filters import quality
    from pipeline.distill.generate import Shard, sample_shard
    from pipeline.rollout import SamplingConfig
    from pipeline.stages.distill import filter_shard
    from pipeline.train.rl_rollout import EngineRollout
    from rewards.format import Format

    rollout = EngineRollout(engine, SamplingConfig(max_tokens=budget, temperature=0.8, seed=0))
    with Timer() as t:
        samples = sample_shard(rollout, Shard("bench", domain, mode, "base", cfg.model, rows), [], n)
    kept, rejected = filter_shard(cfg, router.score_rows(samples), Format())
    return {"domain": domain, "mode": mode, "max_tokens": budget, "generated": len(samples), "kept": len(kept),
            "kept_correct": sum(1 for r in kept if (quality(r) or 0) >= 1.0), "rejected": rejected,
            "stopped_inside_think": sum(1 for s in samples if s["finish_reason"] != "length"
                                        and "<think>" in s["completion"] and "</think>" not in s["completion"]),
            "sampled_tokens": sum(int(s["completion_tokens"]) for s in samples), "seconds": round(t.seconds, 2)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prompts", type=int, default=16, help="training prompts per domain (math and logic)")
    p.add_argument("--n", type=int, default=2, help="samples per prompt")
    p.add_argument("--budgets", type=int, nargs="+", default=[48, 96, 192], help="thinking max_tokens to compare")
    p.add_argument("--quick", action="store_true", help="8 prompts per domain")
    p.add_argument("--out-dir", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.prompts = 8
    ensure_preload()
    vllm_env(1)

    from pipeline.config import parse_config
    from pipeline.distill.generate import load_prompts
    from pipeline.models import resolve_model
    from pipeline.rollout import build_engine
    from pipeline.scoring.reward_factory import build_router

    cfg = parse_config({"domains": ["math", "logic"], "distill": {"prompts_per_domain": args.prompts, "min_reward": 0.0},
                        "data": {d: {"train_size": args.prompts} for d in ("math", "logic")},
                        "logging": {"report_to": []}})
    engine = build_engine(str(resolve_model(cfg.model)), backend="vllm", max_model_len=1024, kv_cache_gb=1, seed=0)
    router = build_router(cfg, domains=list(cfg.domains))
    groups = []
    try:
        for domain in cfg.domains:
            rows = load_prompts(cfg, domain)
            groups.append(_group(cfg, engine, router, domain, rows, "non_thinking", min(args.budgets), args.n))
            groups += [_group(cfg, engine, router, domain, rows, "thinking", b, args.n) for b in sorted(args.budgets)]
    finally:
        router.close()
        engine.close()
    for g in groups:
        g["kept_share"] = round(g["kept"] / g["generated"], 4) if g["generated"] else 0.0
    notes = ["base model (no expert trained), min_reward 0: kept = clean rows (untruncated, well-formed, on-language)",
             "other helpers loaded the same 2 CPU cores during the run: seconds are noisy, counts are not"]
    path = write_result("thinking_budget", vars(args), {"groups": groups}, notes, out_dir=args.out_dir)
    for g in groups:
        print(f"{g['domain']}/{g['mode']} @{g['max_tokens']}: kept {g['kept']}/{g['generated']} "
              f"(correct {g['kept_correct']}), stopped inside <think> {g['stopped_inside_think']}, rejected {g['rejected']}")
    print(f"wrote {path}")
    return {"groups": groups}


if __name__ == "__main__":
    main()
