"""Step-time overhead: a posttrain GRPO step (pipeline.train.grpo.build_trainer: TRL GRPOTrainer with
our rollout_func over the vLLM RolloutEngine, weight sync every step, reward router) vs a plain
TRL GRPOTrainer step (TRL's own HF generate) with the same GRPOConfig, model, rows and rewards.

    python -m bench.overhead                      # 4 steps x 4 prompts x 8 completions x 64 tokens
    python -m bench.overhead --quick              # 3 steps x 4 completions x 32 tokens (smoke)
    python -m bench.overhead --steps 6 --group-size 8 --prompts-per-step 8 --max-tokens 64
    python -m bench.overhead --dtype bf16          # training.dtype bf16 (rollouts follow): overhead_bf16.json

Both trainers get ``pipeline.train.grpo.grpo_args`` for the same job (so the V3.2 settings, batch
and lengths match) and the same reward functions (``router.trl_reward_funcs()`` for the math
domain). Per-step wall time comes from a TrainerCallback (on_step_begin -> on_step_end, which
includes generation, rewards, the loss and the optimizer step); the first step is reported
separately and left out of the mean (engine/lazy-init warm-up). For posttrain the rollout's
own generate / weight-sync seconds are reported too. Checkpoints are not saved during the
timed steps.

Against the machine's limit: the roofline (bench/roofline.py) is measured in the same process
before and after training, and each step's compute estimate is ``6 P T`` FLOPs for the
forward and backward over the step's T prompt + completion tokens (TRL's ``num_tokens``) plus
``2 P C`` for generating its C completion tokens; ``step_over_compute_estimate`` is the mean
step time over that estimate at the measured FLOP/s (goal <= 1.5). With ``--dtype bf16`` both
trainers train in bf16, the rollout engine generates in bf16, and the roofline is bf16 matmul
(``step_over_fp32_compute_estimate`` keeps the fp32 one). Writes bench/results/overhead.json
(overhead_bf16.json).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import Timer, ensure_preload, summarize, vllm_env, write_result
from .roofline import measure as measure_roofline

GOAL_STEP_OVER_ESTIMATE = 1.5


def _step_timer() -> Any:
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self) -> None:
            self.steps: list[float] = []
            self._t0 = 0.0

        def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self._t0 = time.perf_counter()

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.steps.append(time.perf_counter() - self._t0)

    return StepTimer()


def _time_scoring(router: Any) -> dict[str, float]:
    """Accumulate the router's scoring seconds (every TRL reward function goes through ``router.score``)."""
    total = {"reward_s": 0.0}
    score = router.score

    def timed(rows: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return score(rows)
        finally:
            total["reward_s"] += time.perf_counter() - t0

    router.score = timed
    return total


def _split(train_s: float, generate_s: float, sync_s: float, reward_s: float) -> dict[str, float]:
    """Shares of the training wall time: generation (+ weight sync), reward, the rest (loss, optimizer, TRL)."""
    rest = max(0.0, train_s - generate_s - sync_s - reward_s)
    return {k: round(v / train_s, 3) for k, v in
            (("generation", generate_s + sync_s), ("reward", reward_s), ("training_and_other", rest))}


def _stats(steps: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"steps_s": [round(s, 3) for s in steps], "first_step_s": round(steps[0], 3) if steps else None}
    if len(steps) > 1:
        out.update({k: round(v, 3) if isinstance(v, float) else v for k, v in summarize(steps[1:]).items()})
    return out


def _job(cfg: Any, args: argparse.Namespace, out_dir: Path) -> Any:
    from pipeline.data import load_split
    from pipeline.train.grpo import RLJob, with_modes
    from pipeline.models import resolve_model

    rows = with_modes(load_split(cfg, "math", "train"), "non_thinking", cfg.seed)[: max(args.steps * args.prompts_per_step, 4)]
    return RLJob(model=str(resolve_model(cfg.model)), rows=rows, out_dir=out_dir, steps=args.steps,
                 group_size=args.group_size, prompts_per_step=args.prompts_per_step, learning_rate=1e-6, max_tokens=args.max_tokens,
                 beta=0.0, lora=None, save_steps=args.steps + 1)


def run_posttrain(cfg: Any, args: argparse.Namespace, router: Any, tmp: Path) -> dict[str, Any]:
    from pipeline.train.grpo import build_trainer
    from pipeline.rollout import build_engine
    from pipeline.rollout.build import engine_dtype

    job = _job(cfg, args, tmp / "posttrain")
    timer = _step_timer()
    job.callbacks.append(timer)
    engine = build_engine(job.model, backend=args.backend, max_model_len=cfg.rollout.max_model_len,
                          kv_cache_gb=cfg.rollout.kv_cache_gb, seed=cfg.seed, dtype=engine_dtype(cfg))
    trainer = build_trainer(cfg, job, router, engine)
    scoring = _time_scoring(router)
    with Timer() as t:
        trainer.train()
    timings = {k: round(v, 3) for k, v in {**trainer.posttrain_rollout.timings, **scoring}.items()}
    engine.close()
    return {"engine": args.backend, "train_s": round(t.seconds, 2), **_stats(timer.steps), "timings_total": timings,
            "share_of_train_s": _split(t.seconds, timings["generate_s"], timings["sync_s"], timings["reward_s"]),
            "step_tokens": step_tokens(trainer.state.log_history, job.group_size * job.prompts_per_step)}


def run_plain_trl(cfg: Any, args: argparse.Namespace, router: Any, tmp: Path) -> dict[str, Any]:
    import torch
    from trl import GRPOTrainer

    from pipeline.train.grpo import grpo_args, rl_dataset
    from pipeline.train.knobs import model_init_kwargs

    job = _job(cfg, args, tmp / "plain")
    targs = grpo_args(cfg, job)
    targs.model_init_kwargs = model_init_kwargs(cfg.training.model_dump(), cfg.trust_remote_code,  # fp32 master
                                                torch.cuda.is_available())
    timer = _step_timer()
    trainer = GRPOTrainer(model=job.model, args=targs, reward_funcs=router.trl_reward_funcs(),
                          train_dataset=rl_dataset(job), callbacks=[timer])
    scoring = _time_scoring(router)
    with Timer() as t:
        trainer.train()
    return {"engine": "TRL built-in (HF generate)", "train_s": round(t.seconds, 2), **_stats(timer.steps),
            "timings_total": {"reward_s": round(scoring["reward_s"], 3)},
            "step_tokens": step_tokens(trainer.state.log_history, job.group_size * job.prompts_per_step)}


def step_tokens(history: list[dict[str, Any]], completions: int) -> list[dict[str, float]]:
    """Per logged step: T = prompt + completion tokens trained on (delta of TRL's cumulative ``num_tokens``),
    C = completion tokens generated (completions x TRL's ``completions/mean_length``)."""
    out, prev = [], 0.0
    for h in history:
        if "num_tokens" in h and "completions/mean_length" in h:
            out.append({"T": h["num_tokens"] - prev, "C": completions * h["completions/mean_length"]})
            prev = h["num_tokens"]
    return out


def add_estimate(res: dict[str, Any], params: int, flops: float, suffix: str = "") -> None:
    """step time over its compute estimate ``(6 P T + 2 P C) / FLOP/s``, the first step excluded like the mean."""
    toks = res.get("step_tokens", [])[1:]
    if not toks or not res.get("mean_s"):
        return
    est = [(6 * params * s["T"] + 2 * params * s["C"]) / flops for s in toks]
    train_only = [6 * params * s["T"] / flops for s in toks]
    res[f"compute_estimate{suffix}_s"] = round(sum(est) / len(est), 3)
    res[f"train_only_estimate{suffix}_s"] = round(sum(train_only) / len(train_only), 3)
    res[f"step_over{suffix}_compute_estimate"] = round(res["mean_s"] / res[f"compute_estimate{suffix}_s"], 3)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m-instruct")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--group-size", type=int, default=8)
    p.add_argument("--prompts-per-step", type=int, default=4, help="prompts per step; sequences = this x group size")
    p.add_argument("--skip-plain", action="store_true", help="only posttrain's trainer (no plain TRL comparison)")
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--backend", default="vllm", choices=["vllm", "hf"], help="posttrain's rollout engine")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16"],
                   help="training.dtype (the rollouts follow it); bf16 also probes a bf16 roofline")
    p.add_argument("--quick", action="store_true", help="3 steps, 4 completions, 32 tokens")
    p.add_argument("--out-dir", default=None, help="default bench/results")
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.group_size, args.max_tokens, args.prompts_per_step = 3, 4, 32, 1
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    ensure_preload()
    vllm_env()
    from pipeline.config import PipelineConfig
    from pipeline.scoring.reward_factory import build_router

    cfg = PipelineConfig(model=args.model, seed=args.seed, domains=["math"], logging={"report_to": []},
                         rollout={"backend": args.backend, "max_model_len": 1024}, training={"dtype": args.dtype})
    bf16 = args.dtype == "bf16"
    router = build_router(cfg, domains=["math"])
    with tempfile.TemporaryDirectory(prefix="posttrain-overhead-") as d:
        results: dict[str, Any] = {"model": args.model, "rewards": [e.name for e in router.specs["math"]]}
        roofs = [measure_roofline()] + ([measure_roofline(dtype="bf16")] if bf16 else [])
        results["posttrain"] = run_posttrain(cfg, args, router, Path(d))
        if not args.skip_plain:
            results["plain_trl"] = run_plain_trl(cfg, args, router, Path(d))
        roofs += [measure_roofline()] + ([measure_roofline(dtype="bf16")] if bf16 else [])
    from .roofline import model_params

    params = model_params(args.model)
    for dtype, suffix in [("bf16", ""), ("fp32", "_fp32")] if bf16 else [("fp32", "")]:
        probes = [r for r in roofs if r.dtype == dtype]
        flops = sum(r.matmul_flops for r in probes) / len(probes)
        results[f"roofline{suffix}"] = {"dtype": dtype, "probes": [r.summary() for r in probes],
                                        "matmul_gflops": round(flops / 1e9, 1), "params": params}
        for k in ("posttrain", "plain_trl"):
            if k in results:
                add_estimate(results[k], params, flops, suffix)
    results["step_over_compute_estimate"] = results["posttrain"].get("step_over_compute_estimate")
    if bf16:
        results["step_over_fp32_compute_estimate"] = results["posttrain"].get("step_over_fp32_compute_estimate")
    a, b = results["posttrain"].get("mean_s"), results.get("plain_trl", {}).get("mean_s")
    if a and b:
        results["posttrain_over_plain_step"] = round(a / b, 3)
    results["reward_share_of_step"] = results["posttrain"]["share_of_train_s"]["reward"]
    results["goals"] = {"posttrain_over_plain_step": "<= 1.05", "reward_share_of_step": "<= 0.10",
                        "step_over_compute_estimate": f"<= {GOAL_STEP_OVER_ESTIMATE}"}
    notes = ["step = on_step_begin -> on_step_end (generation + rewards + loss + optimizer); mean excludes step 1",
             "measured on a shared 2-core machine while other jobs ran; see environment.loadavg_1_5_15"]
    path = write_result("overhead_bf16" if bf16 else "overhead", vars(args), results, notes, args.out_dir)
    print(f"wrote {path}")
    print(f"posttrain {a}s/step vs plain TRL {b}s/step (ratio {results.get('posttrain_over_plain_step')}); "
          f"step / compute estimate {results['step_over_compute_estimate']} "
          f"(estimate {results['posttrain'].get('compute_estimate_s')}s at {results['roofline']['matmul_gflops']} GFLOP/s)")
    return results


if __name__ == "__main__":
    main()
