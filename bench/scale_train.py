"""Training at scale (issue 24), measured on CPU: the share of weights one AdamW step keeps (fp32 master
weights with bf16 autocast vs the old pure-bf16 policy), the gap between one GRPO update made in one micro-batch
and in four (training.max_tokens_per_micro_batch), and the peak memory of the V3.2 keep-sampling mask computed
over the whole (tokens, vocabulary) block vs in chunks of tokens.

    python -m bench.scale_train                          # tiny model + SmolLM2-135M; -> bench/results/scale_train.json
    python -m bench.scale_train --only precision --models tiny
    python -m bench.scale_train --only mask

**Precision.** Each run builds the SFT trainer through posttrain's own builder (pipeline/stages/sft.py:
``train_spec`` -> ``build_trainer``, so the TrainingArguments and ``model_init_kwargs`` are the ones a run uses)
with ``training.dtype: bf16`` (fp32 master + bf16 autocast) or ``training.pure_bf16: true`` (the policy in
bfloat16, what ``bf16`` meant before), takes one optimizer step at lr 1e-6 and counts, among the weights whose
gradient was non-zero at that step, the share whose value changed.

**Micro-batches.** One real GRPO step (TRL's GRPOTrainer with the V3.2 loss, the GRPOConfig ``grpo_args`` builds,
SGD so that the step is the gradient) on the tiny model with 8 completions in one micro-batch and in four of 2
(the budget set to two rows); the largest difference of any weight's update, and the largest update.

**Mask memory.** ``sampler_log_probs`` over the whole block (the old path) and ``truncated_token_logps`` (the
chunked one) on random logits of the stated shape, forward + backward, each in its own subprocess; the peak is
the growth of the process's resident high-water mark (VmHWM, reset through /proc/self/clear_refs) over its
memory with the logits already allocated, so it counts every temporary the path makes.

The JSON is merged into: other benches of issue 24 add their own keys to the same file; this one only
rewrites ``weights_changed_share``, ``weights_changed_share_pure_bf16``, ``precision``, ``micro_batches`` and
``sampling_mask`` (each section with its command and machine).
Other helpers load the CPU at the same time; the numbers here are shares and memory, not timings.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULT = ROOT / "bench" / "results" / "scale_train.json"
ROWS = [{"prompt": [{"role": "user", "content": f"What is {i} + {i % 7}? Put the answer in \\boxed{{}}."}],
         "completion": [{"role": "assistant", "content": f"{i} + {i % 7} = {i + i % 7}, so \\boxed{{{i + i % 7}}}."}]}
        for i in range(8)]


def _grad_recorder() -> Any:
    """A TrainerCallback that records, just before the optimizer step, which weights have a non-zero gradient."""
    from transformers import TrainerCallback

    class GradMask(TrainerCallback):
        nonzero: dict[str, Any] = {}

        def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, model: Any = None, **_: Any) -> None:
            self.nonzero = {n: (p.grad != 0).cpu() for n, p in model.named_parameters() if p.grad is not None}

    return GradMask()


def weights_changed_share(model: str, out: Path, training: dict[str, Any], lr: float = 1e-6,
                          batch_size: int = 4, max_length: int = 64) -> dict[str, Any]:
    """One SFT optimizer step through posttrain's builder; the share of weights with a non-zero gradient that changed."""
    import torch
    from datasets import Dataset

    from pipeline.config import parse_config
    from pipeline.stages.sft import build_trainer, train_spec

    cfg = parse_config({"model": model, "output_dir": str(out), "domains": ["math"], "logging": {"report_to": []},
                        "training": training, "sft": {"learning_rate": lr, "batch_size": batch_size,
                                                      "max_length": max_length, "save_steps": 1000}})
    out.mkdir(parents=True, exist_ok=True)
    data = out / "rows.parquet"
    Dataset.from_list(ROWS[:batch_size]).to_parquet(str(data))
    recorder = _grad_recorder()
    trainer = build_trainer(train_spec(cfg, data, out), callbacks=[recorder])
    trainer.args.max_steps, trainer.args.save_strategy = 1, "no"
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    graded = changed = 0
    for n, p in trainer.model.named_parameters():
        if n in recorder.nonzero:
            mask = recorder.nonzero[n]
            graded += int(mask.sum())
            changed += int(((p.detach().cpu() != before[n].cpu()) & mask).sum())
    return {"share": changed / max(graded, 1), "weights_with_grad": graded, "weights_changed": changed,
            "param_dtype": str(next(trainer.model.parameters()).dtype).replace("torch.", ""),
            "bf16_autocast": bool(trainer.args.bf16), "lr": lr, "step": trainer.state.global_step}


MASK_CHILD = r"""
import json, sys, torch
from pipeline.train.v32_loss import sampler_log_probs, truncated_token_logps
mode, tokens, vocab, chunk, dtype = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.manual_seed(0)
torch.set_num_threads(1)

def run(logits, labels):
    if mode == "whole":  # the path before chunking: pipeline/train/v32_loss.py at commit fe5bf35
        lp = sampler_log_probs(logits[:, :-1].float(), 1.0, 0, 0.9, labels)
        out = lp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        ent = -torch.where(torch.isfinite(lp), lp.exp() * lp, torch.zeros_like(lp)).sum(-1).detach()
    else:
        out, ent = truncated_token_logps(logits, labels, 1.0, 0, 0.9, chunk)  # as _truncated_logps calls it
    out.sum().backward()
    return float(out.sum()), float(ent.sum())

small = (torch.randn(1, 9, 64) * 3).requires_grad_()
run(small, torch.randint(0, 64, (1, 8)))  # load the kernels before the baseline
logits = torch.empty(1, tokens + 1, vocab, dtype=getattr(torch, dtype)).normal_(0, 3).requires_grad_()  # no temporary
labels = torch.randint(0, vocab, (1, tokens))
def status_kb(key):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key + ":"))

with open("/proc/self/clear_refs", "w") as f:  # reset the high-water mark (a forked child starts at its parent's)
    f.write("5")
base = status_kb("VmRSS")
sums = run(logits, labels)
peak = status_kb("VmHWM")
print(json.dumps({"peak_mb": round((peak - base) / 1024, 1), "logits_mb": round(logits.numel() * logits.element_size() / 2**20, 1),
                  "checksum": sums}))
"""


def mask_peak_memory(mode: str, tokens: int, vocab: int, chunk: int = 256, dtype: str = "float32") -> dict[str, Any]:
    """Peak memory (MB over the logits already allocated) of the keep-sampling mask's forward + backward at top_p 0.9,
    in a fresh subprocess: ``whole`` = one block (the old path), ``chunked`` = ``truncated_token_logps``."""
    done = subprocess.run([sys.executable, "-c", MASK_CHILD, mode, str(tokens), str(vocab), str(chunk), dtype],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def grpo_step_update(cfg: Any, job: Any) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
    """One real GRPO optimizer step with the GRPOConfig ``grpo_args`` builds for ``cfg`` and ``job``, with SGD instead
    of AdamW (AdamW's first step is about lr x sign(gradient) and would hide a wrongly scaled gradient). Returns the
    args, the generation batches the trainer scored, and each weight's update."""
    from datasets import Dataset
    from transformers.training_args import OptimizerNames

    from pipeline.train.grpo import grpo_args, rl_dataset, v32_options
    from pipeline.train.knobs import model_init_kwargs
    from pipeline.train.v32_loss import v32_trainer_class

    args = grpo_args(cfg, job)
    args.optim, args.report_to, args.save_strategy, args.disable_tqdm = OptimizerNames.SGD, [], "no", True
    args.model_init_kwargs = model_init_kwargs(cfg.training.model_dump(), False, False)

    def reward(completions: list[Any], **_: Any) -> list[float]:
        return [float(len(str(c)) % 5) for c in completions]

    trainer = v32_trainer_class()(model=job.model, args=args, v32=v32_options(cfg), reward_funcs=[reward],
                                  train_dataset=Dataset.from_list(rl_dataset(job).to_list()))
    seen: list[dict[str, Any]] = []
    generate = trainer._generate_and_score_completions
    trainer._generate_and_score_completions = lambda inputs: seen.append(generate(inputs)) or seen[-1]
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    return args, seen, {n: p.detach() - before[n] for n, p in trainer.model.named_parameters()}


def micro_batch_job(model: str, out: Path, accumulation: int = 1) -> Any:
    """4 math prompts x 4 completions of up to 8 tokens, 2 prompts per step: 8 completions per step."""
    from pipeline.train.grpo import RLJob

    rows = [{"id": str(i), "domain": "math", "mode": "non_thinking", "prompt": p}
            for i, p in enumerate(["What is 2 + 3?", "Write a short email.", "What is 7 + 1?", "Who is tallest?"])]
    return RLJob(model=model, rows=rows, out_dir=out, steps=1, group_size=4, prompts_per_step=2, learning_rate=0.05,
                 max_tokens=8, beta=0.0, gradient_accumulation_steps=accumulation)


def micro_batch_configs(seed: int = 3) -> tuple[Any, Any]:
    """The same run with one micro-batch per step and with a budget of two rows per micro-batch (four passes)."""
    from pipeline.config import parse_config
    from pipeline.config.batching import rl_sequence_tokens

    base = {"domains": ["math"], "stages": ["expert"], "seed": seed, "logging": {"report_to": []}}
    budget = 2 * rl_sequence_tokens(["math"], 8)
    return parse_config(base), parse_config({**base, "training": {"max_tokens_per_micro_batch": budget}})


def micro_batch_gap(model: str, out: Path) -> dict[str, Any]:
    one, four = micro_batch_configs()
    a1, seen1, d1 = grpo_step_update(one, micro_batch_job(model, out / "one"))
    a4, seen4, d4 = grpo_step_update(four, micro_batch_job(model, out / "four"))
    same_rollouts = all(len(s) == 1 for s in (seen1, seen4)) and bool((seen1[0]["completion_ids"] ==
                                                                         seen4[0]["completion_ids"]).all())
    return {"split_one": [a1.per_device_train_batch_size, a1.gradient_accumulation_steps],
            "split_four": [a4.per_device_train_batch_size, a4.gradient_accumulation_steps],
            "same_rollouts": same_rollouts,
            "max_abs_update_gap": max(float((d1[n] - d4[n]).abs().max()) for n in d1),
            "max_abs_update": max(float(d.abs().max()) for d in d1.values())}


def _merge(updates: dict[str, Any]) -> Path:
    """Update only this bench's keys of bench/results/scale_train.json (other benches write theirs there too)."""
    from pipeline.io import write_text_atomic

    data = json.loads(RESULT.read_text()) if RESULT.is_file() else {}
    data.update(updates)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(RESULT, json.dumps(data, indent=2, default=str) + "\n")
    return RESULT


def _machine() -> dict[str, Any]:
    from bench.common import environment

    env = environment()
    return {k: env.get(k) for k in ("cpu_model", "cpu_count", "loadavg_1_5_15", "gpus", "platform", "versions", "git_commit")}


def _precision(models: list[str], tmp: Path) -> dict[str, Any]:
    from pipeline.models import resolve_model

    out: dict[str, Any] = {}
    for name in models:
        path = str(build_tiny(tmp)) if name == "tiny" else str(resolve_model(name))
        out[name] = {label: weights_changed_share(path, tmp / f"{name}-{label}", training)
                     for label, training in (("bf16_master", {"dtype": "bf16"}),
                                             ("pure_bf16", {"dtype": "bf16", "pure_bf16": True}),
                                             ("fp32", {"dtype": "fp32"}))}
    return out


def build_tiny(tmp: Path) -> Path:
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(tmp / "tiny", seed=0)


MASK_SHAPES = ((2048, 49152, "float32"), (2048, 49152, "bfloat16"), (512, 151936, "float32"), (1536, 151936, "float32"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="precision,micro,mask", help="comma list of: precision, micro, mask")
    ap.add_argument("--models", default="tiny,smollm2-135m-instruct", help="models for the precision share")
    ap.add_argument("--chunk", type=int, default=256, help="tokens per block of the chunked mask")
    a = ap.parse_args(argv)
    parts, command = set(a.only.split(",")), "python -m bench.scale_train " + " ".join(argv or sys.argv[1:])
    note = "other helpers loaded the 2 CPUs at the same time; shares and memory are not timing-sensitive"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "precision" in parts:
            models = a.models.split(",")
            prec = _precision(models, tmp)
            head = prec[models[-1]]
            _merge({"weights_changed_share": head["bf16_master"]["share"],
                    "weights_changed_share_pure_bf16": head["pure_bf16"]["share"],
                    "precision": {"model": models[-1], "lr": 1e-6, "optimizer": "adamw_torch", "by_model": prec,
                                  "command": command, "machine": _machine(), "note": note}})
        if "micro" in parts:
            _merge({"micro_batches": {**micro_batch_gap(str(build_tiny(tmp)), tmp / "micro"),
                                      "command": command, "machine": _machine()}})
    if "mask" in parts:
        rows = []
        for tokens, vocab, dtype in MASK_SHAPES:
            whole = mask_peak_memory("whole", tokens, vocab, a.chunk, dtype)
            chunked = mask_peak_memory("chunked", tokens, vocab, a.chunk, dtype)
            rows.append({"tokens": tokens, "vocab": vocab, "logits_dtype": dtype, "logits_mb": whole["logits_mb"],
                         "whole_peak_mb": whole["peak_mb"], "chunked_peak_mb": chunked["peak_mb"],
                         "same_result": whole["checksum"] == chunked["checksum"]})
        _merge({"sampling_mask": {"chunk_tokens": a.chunk, "top_p": 0.9, "shapes": rows,
                                  "peak": "VmHWM growth over the allocated logits, forward + backward, own process",
                                  "command": command, "machine": _machine()}})
    print(json.dumps(json.loads(RESULT.read_text()), indent=2)[:4000])


if __name__ == "__main__":
    main()
