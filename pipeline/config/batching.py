"""Config checks for the RL batch shape and the data difficulty, with the expert specs' defaults, and the
micro-batch split a token budget gives.

TRL's GRPO batch: each optimizer step samples ``prompts_per_step`` groups of ``group_size``
completions per worker and trains on them in ``gradient_accumulation_steps`` micro-batches of
``group_size * prompts_per_step / gradient_accumulation_steps`` completions, so that product
must divide evenly. Run by ``check_semantics``; every failure names the dotted field.

**Token budget.** With ``training.max_tokens_per_micro_batch`` the split follows from memory instead:
:func:`rl_micro_batches` (the RL stages; pipeline/train/grpo.py) and :func:`micro_batches` (any batch; SFT) pick
the fewest micro-batches, at least the configured accumulation, whose size divides the step and whose sequences,
each counted at the longest it can be (padding makes every row of a micro-batch as long as its longest), hold at
most the budget. The gradient is the same as one large batch's: TRL normalises the ``dapo`` / ``dr_grpo`` /
``grpo`` losses over the whole step, not the micro-batch (``bnpo`` normalises per micro-batch: the one loss type
whose update depends on the split). The memory plan (pipeline/plan) calls the same functions.

    rl_micro_batches(group_size=16, prompts_per_step=8, seq_tokens=4096, budget=32768)
    # -> MicroBatches(size=8, accumulation=16): 128 completions in 16 passes of 8 x 4,096 tokens
"""
from __future__ import annotations

from dataclasses import dataclass

from .schema import PipelineConfig
from ..errors import ConfigError

BUDGET_FIELD = "training.max_tokens_per_micro_batch"


@dataclass(frozen=True)
class MicroBatches:
    """How one optimizer step's sequences are split (per worker)."""

    size: int  # sequences per forward/backward pass (TRL per_device_train_batch_size)
    accumulation: int  # passes per optimizer step (gradient_accumulation_steps)


def micro_batches(sequences: int, seq_tokens: int, budget: int | None, accumulation: int = 1,
                  accumulation_field: str = "gradient_accumulation_steps",
                  shorten: str = "max_tokens, the prompts") -> MicroBatches:
    """Split ``sequences`` (one step's, each counted at ``seq_tokens``) into the fewest passes, at least
    ``accumulation``, that divide them evenly and hold at most ``budget`` tokens each; ``budget`` None keeps
    ``accumulation``. A ConfigError (naming the field and the fix) when not even one sequence fits."""
    if budget is None:
        return MicroBatches(sequences // accumulation, accumulation)
    if seq_tokens > budget:
        raise ConfigError(BUDGET_FIELD, f"{budget} tokens cannot hold one sequence of up to {seq_tokens} tokens "
                                        f"(prompt + completion); raise it to at least {seq_tokens} or shorten the "
                                        f"sequences ({shorten})")
    for acc in range(max(accumulation, 1), sequences + 1):
        if sequences % acc == 0 and (sequences // acc) * seq_tokens <= budget:
            return MicroBatches(sequences // acc, acc)
    raise ConfigError(accumulation_field, f"{accumulation} is more than the {sequences} sequences of a step; "
                                          f"set it to at most {sequences}")


def rl_micro_batches(group_size: int, prompts_per_step: int, seq_tokens: int, budget: int | None,
                     accumulation: int = 1) -> MicroBatches:
    """The GRPO split: a step's ``group_size x prompts_per_step`` completions (prompt + completion at most
    ``seq_tokens`` tokens each) in micro-batches of at most ``budget`` tokens; see :func:`micro_batches`."""
    return micro_batches(group_size * prompts_per_step, seq_tokens, budget, accumulation)


def rl_sequence_tokens(domains: list[str], max_tokens: int) -> int:
    """The longest sequence an RL micro-batch row can be, as the memory plan counts it: the longest expert-spec
    ``max_prompt_len`` among ``domains`` (templated prompt; the spec default for a domain without an expert)
    plus the completion cap ``max_tokens``. A prompt longer than its spec says makes its micro-batch
    proportionally larger than the budget (the gradient is unchanged)."""
    from experts.base import ExpertSpec, registered_experts

    specs = registered_experts()
    default = ExpertSpec.__dataclass_fields__["max_prompt_len"].default
    return max((specs[d].max_prompt_len if d in specs else default for d in domains), default=default) + max_tokens


def check_batch(path: str, group_size: int, prompts_per_step: int, accumulation: int) -> None:
    total = group_size * prompts_per_step
    if total % accumulation:
        raise ConfigError(f"{path}.gradient_accumulation_steps",
                          f"group_size ({group_size}) x prompts_per_step ({prompts_per_step}) = {total} completions "
                          f"per step must be divisible by gradient_accumulation_steps ({accumulation}); "
                          "change one of them")


def _check_experts(cfg: PipelineConfig) -> None:
    from experts.base import get_expert

    for domain, e in cfg.experts.items() if "expert" in cfg.stages else ():
        spec = get_expert(domain)
        group, prompts = e.group_size or spec.group_size, e.prompts_per_step or spec.prompts_per_step
        check_batch(f"experts.{domain}", group, prompts, e.gradient_accumulation_steps)
        completion = e.max_tokens or spec.max_tokens
        if (e.mode or spec.mode) in ("thinking", "both"):  # thinking rows' budget, as stages/expert_rl.mode_budgets
            completion = e.thinking_max_tokens or 2 * completion
        rl_micro_batches(group, prompts, rl_sequence_tokens([domain], completion),
                         cfg.training.max_tokens_per_micro_batch, e.gradient_accumulation_steps)
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
    if "mixed" in cfg.stages:
        rl_micro_batches(m.group_size, m.prompts_per_step,
                         rl_sequence_tokens(list(m.domains) or list(cfg.domains), max(m.budgets(cfg.rollout.max_tokens).values())),
                         cfg.training.max_tokens_per_micro_batch, m.gradient_accumulation_steps)
    s = cfg.sft
    if "sft" in cfg.stages:
        micro_batches(s.batch_size * s.grad_accum, s.max_length, cfg.training.max_tokens_per_micro_batch, s.grad_accum,
                      "sft.grad_accum", "sft.max_length")
    _check_difficulty(cfg)
