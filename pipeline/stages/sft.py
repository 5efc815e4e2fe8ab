"""SFT stage ``sft``: fine-tune the base model on the merged distillation data (TRL SFTTrainer).

Input: the distill stage's parquet shards (its manifest's ``outputs.dataset``), mixed by
``sft.domain_weights`` / ``sft.mode_weights`` (pipeline/train/sft_data.py) and written to
``sft/train.parquet`` in TRL's conversational prompt/completion format: prompt = every turn
before the answer (system + user), completion = the distilled assistant answer. The loss is on
the completion only (``completion_only_loss``): the SmolLM2 chat template has no
``{% generation %}`` markers, so TRL's ``assistant_only_loss`` cannot be used with it. We
tokenise the rows ourselves (pipeline/train/sft_tokens.py) so that tool outputs inside agentic
answers (``<tool_response>`` blocks) are masked like the prompt.

Knobs: ``sft.init_model`` (start from any model instead of the run's ``model``), ``sft.packing``
(TRL best-fit packing), ``sft.resume_from`` (an explicit trainer checkpoint), and ``training.*``
(dtype, attention kernel, gradient checkpointing; pipeline/train/knobs.py).

Output: ``sft/checkpoint`` (full HF model + tokenizer; with LoRA the adapter is merged when
``sft.lora.merge``, else only ``sft/adapter`` is written), ``sft/train_log.jsonl``, TRL
checkpoints every ``sft.save_steps`` in ``sft/trainer`` (a rerun after an interruption resumes
from the last one) and tensorboard logs in ``sft/trainer/runs``.

``sft.num_workers > 1`` runs the same training function on Ray Train workers (pipeline/run/ray_train.py).

Departure from the paper: V3.2 fine-tunes a 671B MoE on its distilled data at scale; here it is
one SFT pass of a small dense model with optional LoRA.

    posttrain stage sft configs/demo.yaml
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

from ..config import PipelineConfig
from ..run.manifest import stage_dir
from . import StageResult, register_stage

log = logging.getLogger(__name__)


@register_stage("sft")
def run_sft(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    from ..train.sft_data import (distill_dataset_dir, group_counts, heldout_split, load_distill, mix_indices,
                                  to_prompt_completion)

    out = stage_dir(run_dir, name)
    src = distill_dataset_dir(run_dir)
    ds = load_distill(src)  # InputError before anything is trained
    s = cfg.sft
    train_idx, held_idx = heldout_split(ds["messages"], s.heldout_rows, cfg.seed)
    kept = ds.select(train_idx)
    mixed = kept.select(mix_indices(kept["domain"], kept["mode"], s.domain_weights, s.mode_weights, cfg.seed))
    counts = group_counts(mixed)
    out.mkdir(parents=True, exist_ok=True)
    data, heldout = out / "train.parquet", out / "heldout.parquet"
    to_prompt_completion(mixed).to_parquet(str(data))
    heldout.unlink(missing_ok=True)
    if held_idx:
        to_prompt_completion(ds.select(held_idx)).to_parquet(str(heldout))
    spec = train_spec(cfg, data, out, heldout if held_idx else None)
    log.info("sft: %d rows from %s (%s), %d held out, %s epochs, lora=%s, workers=%d", len(mixed), src, counts,
             len(held_idx), s.epochs, bool(s.lora), s.num_workers)
    from ..run.ray_train import train

    result = train(train_sft, spec, s.num_workers, out, name, cfg)
    outputs = {k: result[k] for k in ("checkpoint", "adapter") if result.get(k)}
    return StageResult(outputs={**outputs, "train_log": str(out / "train_log.jsonl"), "dataset": str(src)},
                       metrics={**result["metrics"], "heldout_rows": len(held_idx), "rows": len(mixed),
                                "source_rows": len(ds), **counts})


def train_spec(cfg: PipelineConfig, data: Path, out: Path, heldout: Path | None = None) -> dict[str, Any]:
    """Everything a training worker needs, as plain JSON (it crosses to Ray Train workers)."""
    from ..models import resolve_model

    return {"model": str(resolve_model(cfg.sft.init_model or cfg.model, cfg.trust_remote_code)), "data": str(data),
            "heldout": str(heldout) if heldout else None,
            "out_dir": str(out), "seed": cfg.seed, "training": cfg.training.model_dump(mode="json"),
            "trust_remote_code": cfg.trust_remote_code,
            "report_to": list(cfg.logging.report_to), "sft": cfg.sft.model_dump(mode="json")}


def sft_args(spec: dict[str, Any]) -> Any:
    """TRL SFTConfig for a spec: sizes from ``cfg.sft``, completion-only loss, resumable checkpoints."""
    import torch
    from trl import SFTConfig

    from ..train.fsdp import fsdp_args
    from ..config.batching import micro_batches
    from ..train.knobs import model_init_kwargs, precision_args

    s, cuda = spec["sft"], torch.cuda.is_available()
    split = micro_batches(s["batch_size"] * s["grad_accum"], s["max_length"],  # training.max_tokens_per_micro_batch
                          spec["training"].get("max_tokens_per_micro_batch"), s["grad_accum"], "sft.grad_accum",
                          "sft.max_length")
    return SFTConfig(
        output_dir=str(Path(spec["out_dir"]) / "trainer"), num_train_epochs=s["epochs"],
        learning_rate=s["learning_rate"], per_device_train_batch_size=split.size,
        per_device_eval_batch_size=s["batch_size"],
        gradient_accumulation_steps=split.accumulation, max_length=s["max_length"],
        completion_only_loss=True, assistant_only_loss=False, packing=s["packing"],
        lr_scheduler_type="linear", warmup_steps=0, logging_steps=1,
        save_strategy="steps", save_steps=s["save_steps"], save_total_limit=2,
        seed=spec["seed"], data_seed=spec["seed"], report_to=spec["report_to"],
        use_cpu=not cuda, model_init_kwargs=model_init_kwargs(spec["training"], spec["trust_remote_code"], cuda),
        dataloader_num_workers=0, disable_tqdm=True, ddp_find_unused_parameters=False,
        **precision_args(spec["training"], cuda), **fsdp_args(spec["training"], cuda),
    )


def _peft_config(lora: dict[str, Any] | None) -> Any:
    if not lora:
        return None
    from peft import LoraConfig

    return LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], target_modules=list(lora["targets"]),
                      task_type="CAUSAL_LM")


def build_trainer(spec: dict[str, Any], callbacks: Sequence[Any] = ()) -> Any:
    from trl import SFTTrainer

    from ..train.sft_data import read_parquet
    from ..train.train_log import TrainLogCallback

    from transformers import AutoTokenizer

    from ..models import load_kwargs
    from ..train.sft_tokens import tokenize_rows

    out = Path(spec["out_dir"])
    tok = AutoTokenizer.from_pretrained(spec["model"], **load_kwargs(spec["trust_remote_code"]))
    heldout = tokenize_rows(read_parquet(spec["heldout"]), tok) if spec.get("heldout") else None
    return SFTTrainer(model=spec["model"], args=sft_args(spec), processing_class=tok,
                      train_dataset=tokenize_rows(read_parquet(spec["data"]), tok), eval_dataset=heldout,
                      peft_config=_peft_config(spec["sft"]["lora"]),
                      callbacks=[TrainLogCallback(out / "train_log.jsonl"), *callbacks])


def save_model(trainer: Any, out: Path, merge: bool) -> dict[str, str]:
    """Write ``checkpoint/`` (full model + tokenizer) atomically; with LoRA also ``adapter/``."""
    from ..train.checkpoint import save_checkpoint

    saved = save_checkpoint(trainer, out, merge=merge)
    if "checkpoint" not in saved:
        log.warning("sft.lora.merge is false: only the adapter %s is written, and later stages that need a "
                    "full model start from the base model", out / "adapter")
    return saved


def loss_metrics(history: list[dict[str, Any]], before: float | None, after: float | None) -> dict[str, float]:
    """The losses a person can read: the completion loss on the held-out rows before and after SFT
    (``before``/``after``, None without held-out rows), and the mean training loss of the first and the
    last epoch (equal with one epoch). Single batch losses of mixed-domain batches are noise."""
    import math

    out = {k: round(v, 4) for k, v in (("heldout_loss_before", before), ("heldout_loss_after", after)) if v is not None}
    by_epoch: dict[int, list[float]] = {}
    for h in history:
        if "loss" in h and "epoch" in h:
            by_epoch.setdefault(max(math.ceil(h["epoch"] - 1e-9), 1), []).append(h["loss"])
    if by_epoch:
        first, last = by_epoch[min(by_epoch)], by_epoch[max(by_epoch)]
        out.update(train_loss_first_epoch=round(sum(first) / len(first), 4),
                   train_loss_last_epoch=round(sum(last) / len(last), 4))
    return out


def heldout_loss(trainer: Any) -> float | None:
    """The trainer's completion loss on its held-out rows (``eval_dataset``), or None without them."""
    return float(trainer.evaluate()["eval_loss"]) if trainer.eval_dataset is not None else None


def train_sft(spec: dict[str, Any], callbacks: Sequence[Any] = ()) -> dict[str, Any]:
    """Train (resuming from the last checkpoint in ``trainer/`` if any, else from ``sft.resume_from``)
    and save on the main process.

    Runs as is in the stage process and, unchanged, on every Ray Train worker."""
    from ..train.knobs import resume_checkpoint

    out = Path(spec["out_dir"])
    trainer = build_trainer(spec, callbacks)
    resume = resume_checkpoint(spec["sft"].get("resume_from"), Path(trainer.args.output_dir))
    if resume:
        log.info("sft: resuming from %s", resume)
    before = heldout_loss(trainer)
    trainer.train(resume_from_checkpoint=resume)
    after = heldout_loss(trainer)
    saved: dict[str, Any] = {}
    main = trainer.is_world_process_zero()
    if main or getattr(trainer, "is_fsdp_enabled", False):  # FSDP: every rank gathers its shards, rank 0 writes
        saved = save_model(trainer, out, merge=bool((spec["sft"]["lora"] or {}).get("merge", True)))
        saved = saved if main else {}
    trainer.accelerator.wait_for_everyone()
    st = trainer.state
    metrics = {**loss_metrics(st.log_history, before, after), "global_step": st.global_step, "epochs": round(st.epoch or 0.0, 3),
               "resumed_from": Path(resume).name if resume else None, "world_size": trainer.args.world_size}
    return {**saved, "metrics": metrics}
