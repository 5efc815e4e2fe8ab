"""Reward throughput: rule-based rewards (rows/s), the code sandbox (programs/s per worker
count), and the generative judge on the embedded model (rows/s batched vs one at a time, and
its parse rate without and with guided decoding).

    python -m bench.rewards --quick          # small sizes, ~2-4 min on 2 busy cores
    python -m bench.rewards --rows 256 --programs 32 --judge-rows 16

Rows are realistic: prompts from the built-in math / logic / code / writing datasets, with
completions sampled from the embedded SmolLM2-135M-Instruct through the in-process vLLM
engine (temperature 1.0), cycled to ``--rows``. Each reward is warmed up on a few rows
(lingua and math-verify load lazily), then timed on the whole batch. The sandbox runs the
gold solutions of code rows (so every program really executes its tests) with
``build_sandbox("local", workers=w)`` for each ``--workers`` value. The judge
(``pipeline.scoring.reward_factory.build_judge_backend`` + ``rewards.judge.RubricJudge``, cache off,
guard off) scores the writing rows' completions (data/writing.jsonl prompts + rubrics):
unguided as shipped before (first-attempt parse rate, and after its one retry turn), then
guided, batched and one row per call. Writes bench/results/rewards.json.
"""
from __future__ import annotations

import argparse
from typing import Any

from .common import Timer, rate, vllm_env, write_result

RULE_REWARDS = {  # reward -> domains whose rows it is timed on
    "math_correctness": ("math",),
    "exact_match": ("logic",),
    "length_penalty": ("math", "logic", "code", "writing"),
    "language_consistency": ("math", "logic", "code", "writing"),
    "format": ("math", "logic", "code", "writing"),
}


def generate_rows(engine: Any, per_domain: int, n: int, max_tokens: int, seed: int) -> dict[str, list[dict]]:
    """Rows per domain with completions sampled from ``engine`` (n per prompt)."""
    from experts.datasets import load_rows
    from pipeline.rollout import SamplingConfig

    out: dict[str, list[dict]] = {}
    sampling = SamplingConfig(n=n, max_tokens=max_tokens, temperature=1.0, seed=seed)
    for domain in ("math", "logic", "code", "writing"):
        rows = load_rows(domain, "train", per_domain, seed=seed)
        gens = engine.generate([[{"role": "user", "content": r["prompt"]}] for r in rows], sampling)
        out[domain] = [{**r, "id": f"{r['id']}-s{j}", "completion": s.text} for r, g in zip(rows, gens)
                       for j, s in enumerate(g.samples)]
    return out


def _cycle(rows: list[dict], k: int) -> list[dict]:
    return [rows[i % len(rows)] for i in range(k)]


def bench_rule_rewards(rows: dict[str, list[dict]], k: int) -> dict[str, Any]:
    from rewards.base import resolve_reward

    out = {}
    for name, domains in RULE_REWARDS.items():
        batch = _cycle([r for d in domains for r in rows[d]], k)
        reward = resolve_reward(name)()
        reward(batch[:4])  # warm-up: lazy imports, detectors
        with Timer() as t:
            res = reward(batch)
        scored = [r.score for r in res if r.score is not None]
        out[name] = {"rows": len(batch), "seconds": round(t.seconds, 4), "rows_per_s": round(rate(len(batch), t.seconds) or 0, 1),
                     "domains": list(domains), "mean_score": round(sum(scored) / len(scored), 4) if scored else None,
                     "statuses": _count(r.status for r in res)}
    return out


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


def bench_sandbox(k: int, workers: list[int], seed: int, timeout_s: float) -> dict[str, Any]:
    from experts.datasets import load_rows
    from rewards.code import CodeTests
    from rewards.sandbox import build_sandbox

    gold = [{**r, "completion": f"```python\n{r['answer']}```"} for r in load_rows("code", "train", min(k, 64), seed=seed)]
    rows = [{**r, "id": f"{r['id']}-{i}"} for i, r in enumerate(_cycle(gold, k))]
    out: dict[str, Any] = {"programs": len(rows), "program": "gold solution + its asserts (code_tests harness)"}
    for w in workers:
        sandbox = build_sandbox("local", workers=w, timeout_s=timeout_s)
        reward = CodeTests(sandbox=sandbox)
        reward(rows[:1])
        with Timer() as t:
            res = reward(rows)
        out[f"workers_{w}"] = {"workers": w, "seconds": round(t.seconds, 3), "programs_per_s": round(rate(len(rows), t.seconds) or 0, 2),
                               "pass_rate": round(sum(r.score or 0 for r in res) / len(res), 3),
                               "statuses": _count(r.status for r in res),
                               "isolation": sandbox.isolation}  # bwrap (isolation_policy=required by default)
    return out


def _judge(backend: Any, constitution: Any, guided: bool, retries: int) -> Any:
    from rewards.judge import RubricJudge

    return RubricJudge(backend, constitution, guard="off", cache_size=0, guided=guided, parse_retries=retries)


def _judge_stats(results: list[Any], seconds: float) -> dict[str, Any]:
    ok = [r for r in results if r.status == "ok"]
    first = [r for r in ok if r.info.get("attempts") == 1]
    return {"rows": len(results), "seconds": round(seconds, 2), "rows_per_s": round(rate(len(results), seconds) or 0, 3),
            "parse_rate_first_attempt": round(len(first) / max(1, len(results)), 3),
            "parse_rate_final": round(len(ok) / max(1, len(results)), 3), "statuses": _count(r.status for r in results),
            "mean_score": round(sum(r.score for r in ok) / len(ok), 4) if ok else None,
            "example_output": (ok or results)[0].info.get("judge_output", "")[-300:] if results else ""}


def bench_judge(engine: Any, model: str, rows: list[dict], sequential_rows: int) -> dict[str, Any]:
    from pipeline.config import PipelineConfig
    from pipeline.paths import resolve_path
    from pipeline.scoring.reward_factory import build_judge_backend
    from rewards.constitution import load_constitution

    cfg = PipelineConfig(model=model, judge={"model": model}, rollout={"backend": "vllm"})
    backend = build_judge_backend(cfg, engine)
    constitution = load_constitution(resolve_path(cfg.judge.constitution))
    out: dict[str, Any] = {"judge_model": model, "max_tokens": cfg.judge.max_tokens, "guided_supported": backend.accepts_formats}
    for label, guided, retries in (("unguided", False, 1), ("guided", True, 1)):
        judge = _judge(backend, constitution, guided, retries)
        with Timer() as t:
            res = judge(rows)
        out[f"{label}_batched"] = _judge_stats(res, t.seconds)
    judge = _judge(backend, constitution, True, 1)
    one, seconds = [], 0.0
    for row in rows[:sequential_rows]:
        with Timer() as t:
            one += judge([row])
        seconds += t.seconds
    out["guided_one_at_a_time"] = _judge_stats(one, seconds)
    b, s = out["guided_batched"]["rows_per_s"], out["guided_one_at_a_time"]["rows_per_s"]
    out["batching_speedup"] = round(b / s, 2) if s else None
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m-instruct", help="policy that writes the completions, and the judge")
    p.add_argument("--rows", type=int, default=256, help="rows per rule-based reward")
    p.add_argument("--prompts-per-domain", type=int, default=8)
    p.add_argument("--n", type=int, default=2, help="completions per prompt")
    p.add_argument("--max-tokens", type=int, default=128, help="completion length when generating rows")
    p.add_argument("--programs", type=int, default=32, help="sandbox programs per worker setting")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--sandbox-timeout", type=float, default=5.0)
    p.add_argument("--judge-rows", type=int, default=16, help="writing rows for the judge (batched)")
    p.add_argument("--judge-sequential-rows", type=int, default=8, help="rows judged one per call")
    p.add_argument("--skip", nargs="*", default=[], choices=["rules", "sandbox", "judge"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="64 rows, 8 programs, 8 judge rows (4 one at a time)")
    p.add_argument("--out-dir", default=None, help="default bench/results")
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.prompts_per_domain, args.max_tokens, args.programs = 64, 4, 96, 8
        args.judge_rows, args.judge_sequential_rows = 8, 4
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    vllm_env()
    from pipeline.models import resolve_model
    from pipeline.rollout import build_engine

    results: dict[str, Any] = {}
    if "sandbox" not in args.skip:
        results["sandbox"] = bench_sandbox(args.programs, args.workers, args.seed, args.sandbox_timeout)
    if not {"rules", "judge"} <= set(args.skip):
        engine = build_engine(str(resolve_model(args.model)), backend="vllm", max_model_len=2048, seed=args.seed)
        per = max(args.prompts_per_domain, -(-args.judge_rows // args.n))
        with Timer() as t:
            rows = generate_rows(engine, per, args.n, args.max_tokens, args.seed)
        results["rows_generated"] = {d: len(v) for d, v in rows.items()} | {"seconds": round(t.seconds, 1)}
        if "rules" not in args.skip:
            results["rule_rewards"] = bench_rule_rewards(rows, args.rows)
        if "judge" not in args.skip:
            results["judge"] = bench_judge(engine, args.model, rows["writing"][:args.judge_rows], args.judge_sequential_rows)
        engine.close()
    notes = ["measured on a shared 2-core machine while other jobs ran; see environment.loadavg_1_5_15",
             "judge rows/s include the retry turn for unparseable answers (parse_retries=1)"]
    path = write_result("rewards", vars(args), results, notes, args.out_dir)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
