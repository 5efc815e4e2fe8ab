"""Config checks for the RL batch shape and the data difficulty, with the expert specs' defaults.

TRL's GRPO batch: each optimizer step samples ``prompts_per_step`` groups of ``group_size``
completions per worker and trains on them in ``gradient_accumulation_steps`` micro-batches of
``group_size * prompts_per_step / gradient_accumulation_steps`` completions, so that product
must divide evenly. Run by ``check_semantics``; every failure names the dotted field.
"""
from __future__ import annotations

from .schema import PipelineConfig
from ..errors import ConfigError


def check_batch(path: str, group_size: int, prompts_per_step: int, accumulation: int) -> None:
    total = group_size * prompts_per_step
    if total % accumulation:
        raise ConfigError(f"{path}.gradient_accumulation_steps",
                          f"group_size ({group_size}) x prompts_per_step ({prompts_per_step}) = {total} completions "
                          f"per step must be divisible by gradient_accumulation_steps ({accumulation}); "
                          "change one of them")


def _check_experts(cfg: PipelineConfig) -> None:
    from experts.base import get_expert

    for domain, e in cfg.experts.items():
        spec = get_expert(domain)
        check_batch(f"experts.{domain}", e.group_size or spec.group_size, e.prompts_per_step or spec.prompts_per_step,
                    e.gradient_accumulation_steps)
        if e.calibration is not None:
            names = [r["name"] for r in spec.rewards] if domain not in cfg.rewards else [s.name for s in cfg.rewards[domain]]
            if not {"math_correctness", "exact_match", "code_tests"} & set(names):
                raise ConfigError(f"experts.{domain}.calibration", "needs a correctness reward (math_correctness, "
                                  f"exact_match or code_tests) in rewards.{domain}; remove calibration or add one")


def _check_difficulty(cfg: PipelineConfig) -> None:
    from experts.datasets import DataSourceError, load_rows

    for domain, src in cfg.data.items():
        if src.difficulty is None:
            continue
        try:  # a one-row draw: cheap for the generators that have levels, and the same error the stage would give
            load_rows(domain, "eval", 1, cfg.seed, source=src.source, difficulty=src.difficulty)
        except DataSourceError as e:
            msg = str(e).split(": ", 1)[1] if str(e).startswith(f"data.{domain}.difficulty: ") else str(e)
            raise ConfigError(f"data.{domain}.difficulty", msg) from None


def check_training(cfg: PipelineConfig) -> None:
    _check_experts(cfg)
    m = cfg.mixed
    check_batch("mixed", m.group_size, m.prompts_per_step, m.gradient_accumulation_steps)
    _check_difficulty(cfg)
