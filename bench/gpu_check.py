"""GPU check: posttrain's own trainer path, then GRPO/SFT/generation throughput and the rewards, on one GPU.

    scripts/gpu_check.sh                         # on a CUDA machine: <= 8 min on one GPU, no network
    python -m bench.gpu_check --dry-run          # CPU smoke of the same code path (fp32, tiny sizes)
    python -m bench.gpu_preflight                # only the preflight (also the first thing main() does)

It starts with the preflight (bench/gpu_preflight.py): every missing module and file listed at once, with
how to bring it in offline, before anything heavy is imported. What it runs then, on the embedded
SmolLM2-135M-Instruct (already in the model cache; nothing is downloaded):

0. **trainer**: posttrain's GRPO path (``check_trainer``): the V3.2 trainer, the rollout adapter over the
   stage's engine (CUDA vLLM in sleep mode where vllm is installed), the streamed weight sync and its probe
   check, bf16 mixed precision, and with ``--part trainer --fsdp`` under torchrun FSDP2 over a world of 1;
   it fails unless the parameters moved;
1. **generation**: HF ``generate`` on the GPU in bf16, ``--prompts`` chat prompts x ``--n``
   samples x ``--max-tokens`` (the CUDA vLLM wheel is too large to carry to a lent machine);
2. **GRPO**: TRL's GRPOTrainer with ``pipeline.train.grpo.grpo_args`` (bf16 on CUDA, the V3.2
   settings) and the math domain's reward functions, generating with its own HF generate;
3. **SFT**: the SFT stage's trainer (``pipeline.stages.sft.build_trainer``) on prompt/completion
   rows made from the math training rows and their gold answers;
4. **rewards**: the math router over the generated completions.

Writes bench/results/gpu_check.json with tokens/s per GPU for generation and for training
(GRPO: prompt + completion tokens trained per second of step time after the first step; SFT:
tokens per second of its steps), the losses, the reward mean, and each part's wall time.
Without CUDA it refuses to run unless ``--dry-run`` is given.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import Timer, rate, write_result


def _device() -> tuple[str, Any, list[str]]:
    import torch

    if torch.cuda.is_available():
        return "cuda", torch.bfloat16, [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return "cpu", torch.float32, []


def _prompts(k: int) -> list[list[dict[str, str]]]:
    from .rollout import chat_prompts

    return chat_prompts(k)


def check_generation(model_path: str, args: argparse.Namespace) -> dict[str, Any]:
    """HF generate tokens/s on the device (bf16 on CUDA), sampled, left-padded batch."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device, dtype, _ = _device()
    tok = AutoTokenizer.from_pretrained(model_path, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype).to(device).eval()
    texts = [tok.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in _prompts(args.prompts)]
    batch = tok(texts, return_tensors="pt", padding=True).to(device)
    kw = dict(do_sample=True, temperature=1.0, max_new_tokens=args.max_tokens, num_return_sequences=args.n,
              pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id)
    torch.manual_seed(0)
    with torch.no_grad():
        model.generate(**batch, **{**kw, "max_new_tokens": 4})  # warm-up (kernels, allocator)
        if device == "cuda":
            torch.cuda.synchronize()
        with Timer() as t:
            out = model.generate(**batch, **kw)
            if device == "cuda":
                torch.cuda.synchronize()
    new = out[:, batch["input_ids"].shape[1]:]
    eos = tok.eos_token_id
    tokens = int(sum(int((row != eos).cumprod(0).sum()) + (1 if (row == eos).any() else 0) for row in new))
    texts_out = tok.batch_decode(new, skip_special_tokens=True)
    del model
    return {"sequences": len(texts) * args.n, "tokens": tokens, "seconds": round(t.seconds, 3),
            "tokens_per_s_per_gpu": round(rate(tokens, t.seconds) or 0, 1), "completions": texts_out}


def _cfg(args: argparse.Namespace) -> Any:
    from pipeline.config import PipelineConfig

    return PipelineConfig(model=args.model or "smollm2-135m-instruct", seed=0, domains=["math"], logging={"report_to": []},
                          rollout={"backend": "hf", "max_model_len": 1024, "max_tokens": args.max_tokens})


def check_grpo(cfg: Any, model_path: str, router: Any, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """A few TRL GRPO steps (HF generate inside TRL, bf16 on CUDA); trained tokens/s after step 1."""
    import torch
    from trl import GRPOTrainer

    from pipeline.data import load_split
    from pipeline.train.grpo import RLJob, grpo_args, rl_dataset, with_modes
    from pipeline.train.knobs import model_init_kwargs

    from .overhead import _step_timer, step_tokens

    rows = with_modes(load_split(cfg, "math", "train"), "non_thinking", cfg.seed)[: args.steps * args.prompts_per_step]
    job = RLJob(model=model_path, rows=rows, out_dir=tmp / "grpo", steps=args.steps, group_size=args.group_size,
                prompts_per_step=args.prompts_per_step, learning_rate=1e-6, max_tokens=args.max_tokens,
                beta=0.0, save_steps=args.steps + 1)
    targs = grpo_args(cfg, job)
    targs.model_init_kwargs = model_init_kwargs(cfg.training.model_dump(), cfg.trust_remote_code,  # fp32 master
                                                torch.cuda.is_available())
    targs.disable_tqdm = True
    timer = _step_timer()
    trainer = GRPOTrainer(model=job.model, args=targs, reward_funcs=router.trl_reward_funcs(),
                          train_dataset=rl_dataset(job), callbacks=[timer])
    with Timer() as t:
        trainer.train()
    toks = step_tokens(trainer.state.log_history, job.group_size * job.prompts_per_step)
    timed, steps = (toks[1:], timer.steps[1:]) if len(toks) > 1 else (toks, timer.steps)
    trained = sum(s["T"] for s in timed)
    rewards = [h["reward"] for h in trainer.state.log_history if "reward" in h]
    return {"steps": len(timer.steps), "sequences_per_step": job.group_size * job.prompts_per_step,
            "bf16": bool(targs.bf16), "train_s": round(t.seconds, 2), "steps_s": [round(s, 3) for s in timer.steps],
            "tokens_per_step": [round(s["T"]) for s in toks],
            "train_tokens_per_s_per_gpu": round(rate(trained, sum(steps)) or 0, 1), "reward_per_step": rewards}


def check_sft(cfg: Any, model_path: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """SFT steps through the SFT stage's own trainer on math prompt -> gold-answer rows."""
    from datasets import Dataset

    from pipeline.data import load_split
    from pipeline.stages.sft import build_trainer, train_spec

    rows = load_split(cfg, "math", "train")[: args.sft_steps * cfg.sft.batch_size]
    ds = Dataset.from_list([{"prompt": [{"role": "user", "content": r["prompt"]}],
                             "completion": [{"role": "assistant", "content": f"The answer is \\boxed{{{r['answer']}}}."}]}
                            for r in rows])
    data = tmp / "sft.parquet"
    ds.to_parquet(str(data))
    spec = {**train_spec(cfg, data, tmp / "sft"), "model": model_path}
    spec["sft"] = {**spec["sft"], "epochs": 1, "save_steps": 10_000}
    trainer = build_trainer(spec)
    with Timer() as t:
        trainer.train()
    hist = trainer.state.log_history
    losses = [h["loss"] for h in hist if "loss" in h]
    tokens = trainer.state.num_input_tokens_seen or max([h.get("num_tokens", 0) for h in hist] or [0])
    return {"steps": trainer.state.global_step, "rows": len(rows), "train_s": round(t.seconds, 2),
            "tokens": tokens, "train_tokens_per_s_per_gpu": round(rate(tokens, t.seconds) or 0, 1),
            "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None,
            "bf16": bool(trainer.args.bf16)}


def check_rewards(router: Any, completions: list[str], cfg: Any) -> dict[str, Any]:
    from pipeline.data import load_split

    rows = load_split(cfg, "math", "train")
    batch = [{**rows[i % len(rows)], "id": str(i), "domain": "math", "completion": c} for i, c in enumerate(completions)]
    with Timer() as t:
        scored = router.score_rows(batch)
    rewards = [r["reward"] for r in scored if r.get("reward") is not None]
    return {"rows": len(batch), "seconds": round(t.seconds, 3), "rows_per_s": round(rate(len(batch), t.seconds) or 0, 1),
            "reward_mean": round(sum(rewards) / len(rewards), 4) if rewards else None,
            "statuses": sorted({r["status"] for r in scored})}


class _Varied:
    """The math router plus a reward with variance in every group (the completion's length in characters / 100),
    so a short check has non-zero advantages and must move the weights (math correctness alone is all-zero
    for a small model within a few steps, and then GRPO has no gradient)."""

    def __init__(self, router: Any):
        self.router = router

    def trl_reward_funcs(self) -> list[Any]:
        def completion_length(prompts: list[Any], completions: list[Any], **_: Any) -> list[float]:
            return [len(str(c)) / 100 for c in completions]

        return [*self.router.trl_reward_funcs(), completion_length]

    def close(self) -> None:
        self.router.close()


def check_trainer(model_path: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """posttrain's own GRPO path: the V3.2 trainer (pipeline/train/v32_loss.py) fed by the rollout adapter
    (pipeline/train/rl_rollout.py) over ``rollout_engine(cfg)``: CUDA vLLM in sleep mode where vllm is
    installed (sleep after generate, wake weights, streamed sync with the probe check, wake KV cache), else HF
    generate; training.dtype bf16 (fp32 master weights, bf16 autocast); with ``--fsdp`` FSDP2 over a world of 1
    (gpu_check.sh starts it under torchrun). Fails unless the parameters moved."""
    import torch

    from pipeline.config import PipelineConfig
    from pipeline.data import load_split
    from pipeline.rollout.base import vllm_available
    from pipeline.rollout.build import rollout_engine
    from pipeline.scoring.reward_factory import build_router
    from pipeline.train.grpo import RLJob, build_trainer, with_modes
    from pipeline.train.weights import iter_policy_weights

    cuda = torch.cuda.is_available()
    training: dict[str, Any] = {"dtype": "bf16" if cuda else "fp32"}
    if args.fsdp:
        training["fsdp"] = {"enabled": True}
    cfg = PipelineConfig(model=model_path, seed=0, domains=["math"], logging={"report_to": []}, training=training,
                         rollout={"backend": "vllm" if vllm_available() else "hf",
                                  "max_model_len": 512 if args.dry_run else 1024,
                                  "max_tokens": args.max_tokens, "gpu_memory_utilization": 0.3})
    router, engine = _Varied(build_router(cfg, domains=["math"])), rollout_engine(cfg, model_path)
    rows = with_modes(load_split(cfg, "math", "train"), "non_thinking", cfg.seed)[: args.steps * args.prompts_per_step]
    job = RLJob(model=model_path, rows=rows, out_dir=tmp / "trainer", steps=args.steps, group_size=args.group_size,
                prompts_per_step=args.prompts_per_step, learning_rate=1e-5, max_tokens=args.max_tokens, beta=0.0,
                save_steps=args.steps + 1)
    try:
        trainer = build_trainer(cfg, job, router, engine)
        before = {k: v.detach().float().cpu().clone() for k, v in iter_policy_weights(trainer.model)}
        with Timer() as t:
            trainer.train()
        after = {k: v.detach().float().cpu() for k, v in iter_policy_weights(trainer.accelerator.unwrap_model(trainer.model))}
        moved = sum(1 for k in before if k in after and not torch.equal(before[k], after[k]))
        sleep = getattr(engine, "sleep", None)
        out = {"steps": trainer.state.global_step, "train_s": round(t.seconds, 2), "params": len(before),
               "params_moved": moved, "engine": engine.name, "dtype": training["dtype"], "fsdp": bool(args.fsdp),
               "sleep_mode": sleep is not None, "asleep_after_training": sorted(sleep.asleep) if sleep else None,
               **{k: round(v, 3) for k, v in trainer.posttrain_rollout.timings.items()}}
    finally:
        engine.close()
        router.close()
    if not moved:
        raise SystemExit(f"gpu_check: posttrain's trainer ran {out['steps']} steps but no parameter moved")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="alias or local folder (no download happens); default the embedded "
                                                 "smollm2-135m-instruct, or with --dry-run the tiny test model")
    p.add_argument("--prompts", type=int, default=32)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--steps", type=int, default=4, help="GRPO steps")
    p.add_argument("--group-size", type=int, default=8)
    p.add_argument("--prompts-per-step", type=int, default=8)
    p.add_argument("--sft-steps", type=int, default=4)
    p.add_argument("--dry-run", action="store_true", help="allowed without CUDA: fp32 on CPU at tiny sizes")
    p.add_argument("--part", choices=["all", "trainer"], default="all",
                   help="trainer: only posttrain's own trainer path (gpu_check.sh runs it under torchrun with --fsdp)")
    p.add_argument("--fsdp", action="store_true", help="FSDP2 over the torchrun world (CUDA only)")
    p.add_argument("--out-dir", default=None, help="default bench/results (dry runs: a temp folder)")
    args = p.parse_args(argv)
    if args.dry_run:
        args.prompts, args.n, args.max_tokens, args.steps, args.group_size, args.prompts_per_step, args.sft_steps = \
            2, 2, 8, 2, 2, 1, 1
    return args


def _write(results: dict[str, Any], args: argparse.Namespace, name: str, t0: float) -> dict[str, Any]:
    results["wall_s"] = round(time.perf_counter() - t0, 1)
    if "grpo" in results:
        results["tokens_per_s_per_gpu"] = {"generation": results["generation"]["tokens_per_s_per_gpu"],
                                           "grpo_training": results["grpo"]["train_tokens_per_s_per_gpu"],
                                           "sft_training": results["sft"]["train_tokens_per_s_per_gpu"]}
    out_dir = args.out_dir or (tempfile.mkdtemp(prefix="gpu-check-dry-") if args.dry_run else None)
    notes = ["trainer: posttrain's own path (V3.2 trainer, rollout adapter over rollout_engine with sleep mode where "
             "CUDA vLLM exists, streamed weight sync with the probe check, bf16 = fp32 master + autocast, FSDP2 with "
             "--fsdp under torchrun); params_moved counts weights that changed",
             "generation: HF generate, bf16 on CUDA; GRPO: TRL GRPOTrainer (its own HF generate), trained prompt + "
             "completion tokens / step seconds after step 1; SFT: num_input_tokens_seen / train seconds",
             "dry runs (CPU, fp32, tiny sizes) only exercise the code path; their numbers mean nothing"]
    path = write_result(name, vars(args), results, notes, Path(out_dir) if out_dir else None)
    print(f"gpu_check: {results.get('tokens_per_s_per_gpu', results['trainer'])} on {results['gpus'] or results['device']}; "
          f"{results['wall_s']} s; wrote {path}")
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    from .gpu_preflight import report

    ready, text = report(args.model, need_cuda=not args.dry_run)
    if not ready:  # every missing module and file at once, with how to bring it in offline
        print(text, file=sys.stderr)
        raise SystemExit(2)
    device, _, gpus = _device()
    from pipeline.models import resolve_model
    from pipeline.scoring.reward_factory import build_router

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="posttrain-gpu-check-") as d:
        if args.model is None and args.dry_run:
            from tests.tiny_model import build_tiny_model

            args.model = str(build_tiny_model(Path(d) / "tiny", seed=0))
        model_path = str(resolve_model(args.model or "smollm2-135m-instruct"))
        results: dict[str, Any] = {"device": device, "gpus": gpus, "dry_run": args.dry_run, "model": args.model,
                                   "trainer": check_trainer(model_path, args, Path(d))}
        if args.part == "trainer":
            return _write(results, args, "gpu_check_fsdp" if args.fsdp else "gpu_check_trainer", t0)
        cfg = _cfg(args)
        router = build_router(cfg, domains=["math"])
        try:
            gen = check_generation(model_path, args)
            results["generation"] = {k: v for k, v in gen.items() if k != "completions"}
            results["rewards"] = check_rewards(router, gen["completions"], cfg)
            results["grpo"] = check_grpo(cfg, model_path, router, args, Path(d))
            results["sft"] = check_sft(cfg, model_path, args, Path(d))
        finally:
            router.close()
    return _write(results, args, "gpu_check", t0)


if __name__ == "__main__":
    main()
