"""This machine's limits, measured in the same process as the benchmark that compares against them.

    python -m bench.roofline                 # measure, print, write bench/results/roofline.json
    python -m bench.roofline --quick         # shorter probes
    python -m bench.roofline --dtype bf16    # bf16 matmul (AMX on CPUs that have it)

Two numbers bound every benchmark here:

- **matmul FLOP/s** in fp32 (or bf16 with ``--dtype bf16``) (``torch.mm``, the best of a square 2048^2 product and the shapes a
  decode step of SmolLM2-135M runs: batch 64 x hidden 576 against the MLP and the vocabulary
  projection), at torch's current thread count;
- **memory read bandwidth** (``tensor.sum`` over 256 MiB, far above the caches).

What they imply (``P`` = model parameters, ``B`` = sequences decoded together):

- decode tokens/s <= min(FLOP/s / (2 P), B * bandwidth / (bytes_per_param P)): each token costs
  2 P FLOPs, and each decode step reads the weights once for all B sequences. Attention over the
  context and the prefill of the prompts are extra work, so a real engine stays below this limit;
- a training step over T tokens takes >= 6 P T / FLOP/s (forward 2 P T, backward 4 P T).

Other benchmarks call :func:`measure` at their start (a few seconds), so each ratio is taken
against the limit of the same run, which matters on a shared machine where the limit moves with
the load.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.run.estimate import best_rate

# (m, k, n): square, then decode-step shapes of SmolLM2-135M at batch 64 (MLP up, vocabulary head).
MATMUL_SHAPES = ((2048, 2048, 2048), (64, 576, 1536), (64, 576, 49152))
BANDWIDTH_BYTES = 256 * 2**20


DTYPE_BYTES = {"fp32": 4, "bf16": 2}


@dataclass
class Roofline:
    """Measured limits: FLOP/s of ``dtype`` matmul and bytes/s of memory reads, at ``threads`` torch threads."""

    matmul_flops: float
    mem_read_bytes_per_s: float
    threads: int
    per_shape_gflops: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    dtype: str = "fp32"

    def decode_limit(self, params: int, batch: int) -> float:
        """Upper bound on decoded tokens/s for ``batch`` sequences (compute or weight reads, the lower)."""
        compute = self.matmul_flops / (2 * params)
        memory = batch * self.mem_read_bytes_per_s / (DTYPE_BYTES[self.dtype] * params)
        return min(compute, memory)

    def train_seconds(self, params: int, tokens: int) -> float:
        """Lower bound on seconds to train on ``tokens`` tokens (6 P FLOPs per token)."""
        return 6 * params * tokens / self.matmul_flops

    def generate_seconds(self, params: int, tokens: int) -> float:
        """Lower bound on seconds to generate ``tokens`` tokens at the compute limit (2 P FLOPs per token)."""
        return 2 * params * tokens / self.matmul_flops

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        d["matmul_gflops"] = round(self.matmul_flops / 1e9, 1)
        d["mem_read_gb_per_s"] = round(self.mem_read_bytes_per_s / 1e9, 1)
        d["seconds"] = round(self.seconds, 2)
        return d


def measure(budget_s: float = 1.0, dtype: str = "fp32") -> Roofline:
    """Measure ``dtype`` matmul FLOP/s and memory read bandwidth; about ``4 * budget_s`` seconds in all."""
    import torch

    t0 = time.perf_counter()
    per_shape: dict[str, float] = {}
    kind = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    with torch.inference_mode():
        for m, k, n in MATMUL_SHAPES:
            a, b = torch.randn(m, k, dtype=kind), torch.randn(k, n, dtype=kind)
            out = torch.empty(m, n, dtype=kind)
            per_shape[f"{m}x{k}x{n}"] = best_rate(lambda: torch.mm(a, b, out=out), 2.0 * m * k * n, budget_s) / 1e9
            del a, b, out
        x = torch.ones(BANDWIDTH_BYTES // 4)
        bandwidth = best_rate(lambda: x.sum(), float(BANDWIDTH_BYTES), budget_s)
        del x
    return Roofline(matmul_flops=max(per_shape.values()) * 1e9, mem_read_bytes_per_s=bandwidth,
                    threads=torch.get_num_threads(), per_shape_gflops={k: round(v, 1) for k, v in per_shape.items()},
                    seconds=time.perf_counter() - t0, dtype=dtype)


def fraction(value: float | None, limit: float | None) -> float | None:
    """value / limit rounded, or None when either is missing."""
    return round(value / limit, 3) if value and limit else None


def model_params(model: str) -> int:
    """Parameter count of a model from its config alone (meta device: no weights are loaded)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from pipeline.models import resolve_model

    config = AutoConfig.from_pretrained(str(resolve_model(model)))
    with torch.device("meta"):
        m = AutoModelForCausalLM.from_config(config)
    return sum(p.numel() for p in m.parameters())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from .common import write_result

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m-instruct", help="model whose limits are printed")
    p.add_argument("--budget-s", type=float, default=1.0, help="seconds per probe")
    p.add_argument("--dtype", default="fp32", choices=sorted(DTYPE_BYTES), help="matmul precision probed")
    p.add_argument("--quick", action="store_true", help="0.3 s per probe")
    p.add_argument("--out-dir", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.budget_s = 0.3
    roof = measure(args.budget_s, args.dtype)
    params = model_params(args.model)
    results = {**roof.summary(), "model": args.model, "params": params,
               "decode_limit_tokens_per_s": {str(b): round(roof.decode_limit(params, b), 1) for b in (1, 8, 64, 128)},
               "train_seconds_per_1k_tokens": round(roof.train_seconds(params, 1000), 3)}
    notes = [f"matmul_flops = best torch.mm {args.dtype} rate over the shapes in per_shape_gflops; mem = tensor.sum over 256 MiB",
             f"decode limit = min(FLOP/s / 2P, B * bandwidth / {DTYPE_BYTES[args.dtype]}P); train = 6 P T / FLOP/s"]
    path = write_result("roofline" if args.dtype == "fp32" else f"roofline_{args.dtype}", vars(args), results, notes,
                        args.out_dir)
    print(f"matmul {results['matmul_gflops']} GFLOP/s ({roof.per_shape_gflops}), read {results['mem_read_gb_per_s']} GB/s, "
          f"{roof.threads} threads; decode limit {results['decode_limit_tokens_per_s']} tok/s; wrote {path}")
    return results


if __name__ == "__main__":
    main()
