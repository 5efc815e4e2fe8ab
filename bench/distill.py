"""Distillation throughput: the distill stage's generation path vs raw vLLM on the same prompts.

    python -m bench.distill --quick            # 8 prompts x n=2 x 48 tokens
    python -m bench.distill --prompts 32 --n 4 --max-tokens 96

One warm engine (the embedded SmolLM2-135M-Instruct on vLLM). ``raw`` is one
``engine.generate`` call over the rendered chat prompts with ``n`` samples each; ``distill`` is
what the stage runs per shard: pipeline/distill/generate.sample_shard (the RL rollout path,
with logprobs, token bookkeeping and chat messages) on the same rows, seed and sampling. The
ratio of generated tokens per second is the overhead of the stage's generation (goal >= 0.9).
Scoring + filtering (rewards, rejection rules) is timed separately and reported per sample.
Both rates are also given as a fraction of the decode limit (bench/roofline.py, measured in this
process before and after the timed rounds). Writes bench/results/distill.json.
"""
from __future__ import annotations

import argparse
from typing import Any

from .common import Timer, ensure_preload, rate, vllm_env, write_result
from .roofline import fraction
from .roofline import measure as measure_roofline

GOAL_RATIO = 0.9


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prompts", type=int, default=32, help="prompts per domain (math and logic)")
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--max-tokens", type=int, default=96)
    p.add_argument("--repeats", type=int, default=2, help="timed rounds; raw and distill alternate")
    p.add_argument("--quick", action="store_true", help="8 prompts, n=2, 48 tokens, 1 round")
    p.add_argument("--out-dir", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.prompts, args.n, args.max_tokens, args.repeats = 8, 2, 48, 1
    ensure_preload()
    vllm_env(1)

    from pipeline.config import parse_config
    from pipeline.distill.generate import Shard, load_prompts, sample_shard
    from pipeline.train.grpo import rl_prompt
    from pipeline.models import resolve_model
    from pipeline.scoring.reward_factory import build_router
    from pipeline.train.rl_rollout import EngineRollout
    from pipeline.rollout import SamplingConfig, build_engine
    from pipeline.stages.distill import filter_shard
    from rewards.format import Format

    cfg = parse_config({"domains": ["math", "logic"], "distill": {"prompts_per_domain": args.prompts, "min_reward": 0.0},
                        "data": {d: {"train_size": args.prompts} for d in ("math", "logic")}, "logging": {"report_to": []}})
    rows = [r for d in cfg.domains for r in load_prompts(cfg, d)]
    shard = Shard("bench", "mixed", "non_thinking", "base", cfg.model, rows)
    sampling = SamplingConfig(n=args.n, max_tokens=args.max_tokens, temperature=0.8, seed=0)
    with Timer() as t_start:
        engine = build_engine(str(resolve_model(cfg.model)), backend="vllm", max_model_len=1024, kv_cache_gb=1, seed=0)
    prompts = [rl_prompt({**r, "mode": "non_thinking"}, []) for r in rows]
    engine.generate(prompts[:1], SamplingConfig(n=1, max_tokens=4))  # warm-up
    roofs = [measure_roofline()]

    raw_tok = raw_s = dis_tok = dis_s = 0.0
    scored: list[dict[str, Any]] = []
    for _ in range(args.repeats):
        with Timer() as t:
            gens = engine.generate(prompts, sampling, mode="non_thinking")
        raw_s += t.seconds
        raw_tok += sum(len(s.token_ids) for g in gens for s in g.samples)
        rollout = EngineRollout(engine, sampling)
        with Timer() as t:
            out = sample_shard(rollout, shard, [], args.n)
        dis_s += t.seconds
        dis_tok += sum(r["completion_tokens"] for r in out)
        scored = out
    roofs.append(measure_roofline())
    router = build_router(cfg, domains=cfg.domains)
    with Timer() as t_score:
        kept, rejected = filter_shard(cfg, router.score_rows(scored), Format())
    engine.close()
    raw_tps, dis_tps = rate(raw_tok, raw_s) or 0.0, rate(dis_tok, dis_s) or 0.0
    ratio = dis_tps / raw_tps if raw_tps else 0.0
    from .roofline import model_params

    roof = type(roofs[0])(matmul_flops=sum(r.matmul_flops for r in roofs) / 2,
                          mem_read_bytes_per_s=sum(r.mem_read_bytes_per_s for r in roofs) / 2, threads=roofs[0].threads)
    limit = roof.decode_limit(model_params(cfg.model), len(rows) * args.n)
    results = {"prompts": len(rows), "n": args.n, "startup_s": round(t_start.seconds, 2),
               "raw": {"tokens": raw_tok, "seconds": round(raw_s, 3), "tokens_per_s": round(raw_tps, 2)},
               "distill": {"tokens": dis_tok, "seconds": round(dis_s, 3), "tokens_per_s": round(dis_tps, 2)},
               "distill_over_raw": round(ratio, 3),
               "roofline": {"probes": [r.summary() for r in roofs], "decode_limit_tokens_per_s": round(limit, 1)},
               "raw_fraction_of_decode_limit": fraction(raw_tps, limit),
               "distill_fraction_of_decode_limit": fraction(dis_tps, limit), "goal_ratio": GOAL_RATIO, "meets_goal": ratio >= GOAL_RATIO,
               "score_filter": {"samples": len(scored), "seconds": round(t_score.seconds, 3),
                                "ms_per_sample": round(1000 * t_score.seconds / max(1, len(scored)), 2),
                                "kept": len(kept), "rejected": rejected}}
    notes = ["tokens/s = generated tokens / wall seconds of the timed calls on one warm engine",
             "raw uses engine.generate (text prompts); distill uses sample_shard (token-id prompts, logprobs on)",
             "measured on a shared machine; see environment.loadavg_1_5_15"]
    path = write_result("distill", vars(args), results, notes, args.out_dir)
    print(f"raw {raw_tps:.1f} tok/s, distill {dis_tps:.1f} tok/s, ratio {ratio:.2f} (goal >= {GOAL_RATIO}); "
          f"decode limit {limit:.0f} tok/s (raw {fraction(raw_tps, limit)}, distill {fraction(dis_tps, limit)}); wrote {path}")
    return results


if __name__ == "__main__":
    main()
