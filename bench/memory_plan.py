"""Check the memory plan's estimator (pipeline/plan/estimate.py) against measured peaks and published formulas.

    python -m bench.memory_plan            # -> bench/results/scale_train.json, key "memory_plan" (others kept)
    python -m bench.memory_plan --quick    # the tiny model only

(a) Measured: each case runs two real training steps in a fresh subprocess on CPU: the loss TRL's GRPO computes
    (``model(..., logits_to_keep=C+1)``, logits / temperature, ``trl.trainer.utils.selective_log_softmax``, a
    policy-gradient loss), ``backward``, ``torch.optim.AdamW.step`` (LoRA through PEFT). Its peak is the growth of the
    process's peak RSS (``VmHWM``, reset after the imports with ``/proc/self/clear_refs``) over the RSS before the
    model was loaded; glibc's freed memory is trimmed first. The estimate is ``train_worker(...).peak`` for the same
    shape, with no engine, judge or overhead. Models: the tiny Llama of tests/tiny_model.py (widened so its
    tensors dwarf allocator noise) and the embedded SmolLM2-135M (pipeline/models.py), two batch sizes each, full
    fine-tuning and LoRA, plus bf16 autocast and gradient checkpointing on SmolLM2.
(b) Published: DeepSpeed's ``estimate_zero3_model_states_mem_needs`` (no offload: 4 B x largest layer + 18 B/param
    / GPUs) and accelerate's ``estimate-memory`` "Training using Adam" (the largest of model, gradients, optimizer
    and step sizes: 16 B/param in fp32, 8 B/param for bf16 mixed precision), re-derived here (deepspeed is not a
    dependency), against our model states for the well-known architectures at 1 and 8 GPUs.
Other helpers load this machine's CPUs at the same time; memory, unlike time, is not affected by that.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULT = ROOT / "bench" / "results" / "scale_train.json"
MB = 2**20


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def worker(case: dict[str, Any]) -> dict[str, Any]:
    """One measured case, in this (fresh) process: two training steps, the peak RSS growth."""
    import ctypes

    import torch
    from transformers import AutoModelForCausalLM
    from trl.trainer.utils import selective_log_softmax

    torch.manual_seed(0)
    torch.set_num_threads(2)
    libc = ctypes.CDLL("libc.so.6")
    import peft  # noqa: F401  (imported before the baseline either way)

    libc.malloc_trim(0)
    base = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    model = AutoModelForCausalLM.from_pretrained(case["model"], dtype=torch.float32, attn_implementation="sdpa")
    if case["checkpointing"]:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if case["lora"]:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=case["lora"], lora_alpha=2 * case["lora"], lora_dropout=0.0,
                                                 target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-6)
    libc.malloc_trim(0)
    vocab, (b, s, c) = model.config.vocab_size, (case["seqs"], case["seq_len"], case["completion"])
    ids = torch.randint(0, vocab, (b, s))
    for _ in range(2):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=case["autocast"]):
            out = model(input_ids=ids, logits_to_keep=c + 1)
            logits = out.logits[:, :-1, :] / 0.9
            logps = selective_log_softmax(logits, ids[:, -c:])
        loss = -(logps * torch.randn(b, 1)).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        del out, logits, logps, loss
    return {"peak_bytes": _status("VmHWM") - base}


def _cases(quick: bool) -> list[dict[str, Any]]:
    from pipeline.models import materialise_embedded
    from tests.tiny_model import build_tiny_model

    tiny = str(build_tiny_model(Path(tempfile.gettempdir()) / "posttrain_bench_memory_tiny", hidden=256, layers=4, vocab=400))
    cases = []
    for seqs in (4, 16):
        for lora in (0, 8):
            cases.append({"name": f"tiny b{seqs} {'lora' if lora else 'full'}", "model": tiny, "seqs": seqs,
                          "seq_len": 512, "completion": 384, "lora": lora, "autocast": False, "checkpointing": False})
    if quick:
        return cases
    smol = str(materialise_embedded("smollm2-135m-instruct"))
    for seqs in (1, 4):
        for lora in (0, 16):
            cases.append({"name": f"smollm2 b{seqs} {'lora' if lora else 'full'}", "model": smol, "seqs": seqs,
                          "seq_len": 256, "completion": 192, "lora": lora, "autocast": False, "checkpointing": False})
    b4_full = next(c for c in cases if c["name"] == "smollm2 b4 full")
    cases.append({**b4_full, "name": "smollm2 b4 full checkpointing", "checkpointing": True})
    cases.append({**b4_full, "name": "smollm2 b4 full bf16 autocast", "autocast": True})
    return cases


def estimate(case: dict[str, Any]) -> dict[str, Any]:
    from pipeline.plan.arch import load_arch
    from pipeline.plan.estimate import Lora, TrainShape, train_worker

    arch = load_arch(case["model"])
    lora = Lora(case["lora"], ("q_proj", "k_proj", "v_proj", "o_proj")) if case["lora"] else None
    shape = TrainShape(seqs=case["seqs"], seq_len=case["seq_len"], logit_tokens=case["completion"],
                       autocast=case["autocast"], checkpointing=case["checkpointing"], lora=lora)
    est = train_worker(arch, shape, engine=0.0, engine_sleeps=False, judge=0.0, overhead=0.0)
    return {"estimate_bytes": est.peak, "parts_mb": {k: round(v / MB, 1) for k, v in est.parts.items() if v}}


def measure(case: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run([sys.executable, "-m", "bench.memory_plan", "--worker", json.dumps(case)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode:
        raise RuntimeError(f"{case['name']}: worker failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def published() -> list[dict[str, Any]]:
    """Our model states vs DeepSpeed ZeRO-3 and accelerate estimate-memory, re-derived, for the shipped table."""
    from pipeline.plan.arch import arch_from_config
    from pipeline.plan.estimate import TrainShape, model_states
    from pipeline.plan.known import KNOWN

    rows = []
    for key in ("qwen/qwen2.5-1.5b", "qwen/qwen2.5-7b", "meta-llama/llama-3.1-8b", "qwen/qwen2.5-72b",
                "qwen/qwen3-30b-a3b", "mistralai/mixtral-8x7b-v0.1"):
        a = arch_from_config(KNOWN[key], key)
        # DeepSpeed's largest layer: the parameters of the largest single module (the embedding, or one linear)
        largest = max([a.vocab * a.hidden] + [i * o for i, o in a.linear_shapes().values()])
        for gpus in (1, 8):
            ours = model_states(a, TrainShape(seqs=1, seq_len=1, logit_tokens=1, autocast=True, world=gpus))
            ours_total = sum(ours.values()) - ours["reference"]
            deepspeed = 4 * largest + 18 * a.params / gpus
            rows.append({"model": key, "params_b": round(a.params / 1e9, 3), "gpus": gpus,
                         "ours_gib": round(ours_total / 2**30, 2),
                         "ours_16B_per_param_gib": round(16 * a.params / gpus / 2**30, 2),
                         "deepspeed_zero3_gib": round(deepspeed / 2**30, 2),
                         "accelerate_fp32_gib": round(16 * a.params / 2**30, 2) if gpus == 1 else None,
                         "accelerate_bf16_gib": round(8 * a.params / 2**30, 2) if gpus == 1 else None,
                         "ours_vs_deepspeed": round(ours_total / deepspeed, 3)})
    return rows


def save(section: dict[str, Any]) -> None:
    """Read-modify-write: only our key changes; other helpers' keys in the same file are kept."""
    from pipeline.io import write_text_atomic

    data = json.loads(RESULT.read_text()) if RESULT.is_file() else {}
    data["memory_plan"] = section
    write_text_atomic(RESULT, json.dumps(data, indent=2) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--only", help="re-measure only the cases whose name contains this text; the other rows of the "
                                  "results file are kept")
    a = p.parse_args()
    if a.worker:
        print(json.dumps(worker(json.loads(a.worker))))
        return
    rows = []
    for case in [c for c in _cases(a.quick) if not a.only or a.only in c["name"]]:
        got, est = measure(case), estimate(case)
        err = est["estimate_bytes"] / got["peak_bytes"] - 1
        rows.append({**{k: v for k, v in case.items() if k != "model"}, "measured_mb": round(got["peak_bytes"] / MB, 1),
                     "estimated_mb": round(est["estimate_bytes"] / MB, 1), "error": round(err, 3), "parts_mb": est["parts_mb"]})
        print(f"{case['name']:34s} measured {got['peak_bytes'] / MB:8.1f} MB  estimated {est['estimate_bytes'] / MB:8.1f} MB"
              f"  error {err:+.1%}", flush=True)
    if a.only and RESULT.is_file():  # keep the rows not re-measured
        kept = json.loads(RESULT.read_text()).get("memory_plan", {}).get("measured", [])
        fresh = {r["name"] for r in rows}
        rows = [r for r in kept if r["name"] not in fresh] + rows
    worst = max(abs(r["error"]) for r in rows)
    section = {"command": "python -m bench.memory_plan" + (" --quick" if a.quick else "")
               + (f" (then --only {a.only!r})" if a.only else ""),
               "tolerance": 0.25, "max_abs_error": worst, "within_tolerance": worst <= 0.25, "measured": rows,
               "published": published(),
               "notes": ["measured = peak RSS growth (VmHWM after 2 steps - RSS before loading) of a CPU subprocess; "
                         "estimated = pipeline/plan/estimate.train_worker without engine/judge/overhead",
                         "published: DeepSpeed zero3 model states (no offload) = 4 B x largest layer + 18 B/param / GPUs; "
                         "accelerate estimate-memory 'Training using Adam' = max(model, grads, optimizer, step)",
                         "CPU shared with other helpers while measuring: memory, not time, is what is compared"]}
    save(section)
    print(f"max |error| {worst:.1%} (tolerance 25%) -> {RESULT}")


if __name__ == "__main__":
    main()
