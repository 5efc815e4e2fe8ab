"""ExpertSpec registry and domain data loading.

One ``ExpertSpec`` per domain names its data builder, prompt template, default rewards,
tools and training defaults. Specs are registered with ``@register_expert``; duplicates are
rejected. ``load_domain`` builds a split from the built-in generator, or from a local
JSONL/parquet file or a hub dataset when a config points the domain elsewhere.

Every row has the same keys (None where a key does not apply) so that domains can be
interleaved into one ``datasets.Dataset``: see ``ROW_KEYS``.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any, Callable

ROW_KEYS = ("id", "domain", "prompt", "answer", "tests", "entry_point", "language", "rubric")
Builder = Callable[[str, int, int], list[dict[str, Any]]]  # (split, n, seed) -> rows


@dataclass(frozen=True)
class ExpertSpec:
    """Everything that defines one domain expert. Config `experts.<domain>` overrides the defaults."""

    domain: str
    build: Builder
    prompt_template: str = "{prompt}"
    rewards: tuple[dict[str, Any], ...] = ()
    tools: tuple[Callable[..., str], ...] = ()
    group_size: int = 8
    max_prompt_len: int = 512
    max_completion_len: int = 128
    learning_rate: float = 1e-5
    steps: int = 20
    kl_beta: float = 0.0
    lora: dict[str, Any] | None = None
    mode: str = "non_thinking"
    description: str = ""

    def format_prompt(self, row: dict[str, Any]) -> str:
        return self.prompt_template.format(prompt=row["prompt"])


_EXPERTS: dict[str, ExpertSpec] = {}


def register_expert(spec: ExpertSpec) -> ExpertSpec:
    if spec.domain in _EXPERTS and _EXPERTS[spec.domain] is not spec:
        raise ValueError(f"expert {spec.domain!r} is already registered")
    _EXPERTS[spec.domain] = spec
    return spec


def registered_experts() -> dict[str, ExpertSpec]:
    from . import builtin  # noqa: F401  (registers the built-in domains)

    return dict(_EXPERTS)


def get_expert(domain: str) -> ExpertSpec:
    experts = registered_experts()
    if domain not in experts:
        raise KeyError(f"unknown domain {domain!r}; registered: {', '.join(sorted(experts))}")
    return experts[domain]


def make_row(domain: str, split: str, idx: int, prompt: str, **extra: Any) -> dict[str, Any]:
    row = {k: None for k in ROW_KEYS}
    row.update(id=f"{domain}-{split}-{idx:05d}", domain=domain, prompt=prompt, language="en")
    row.update(extra)
    return row


def split_seed(split: str, seed: int) -> random.Random:
    """Disjoint, deterministic streams for train and eval."""
    return random.Random(f"{seed}:{split}")


def in_eval_split(prompt: str, eval_fraction: float = 0.2) -> bool:
    """A prompt's split is a pure function of its text, so train and eval never overlap."""
    digest = hashlib.sha256(prompt.encode()).digest()
    return digest[0] < 256 * eval_fraction


def unique_rows(domain: str, split: str, n: int, seed: int,
                make: Callable[[random.Random], tuple[str, dict]]) -> list[dict[str, Any]]:
    """Draw ``n`` rows with distinct prompts of this split from ``make(rng) -> (prompt, extra)``."""
    if split not in ("train", "eval"):
        raise ValueError(f"split must be train or eval, got {split!r}")
    rng, seen, rows = split_seed(split, seed), set(), []
    for _ in range(n * 200):
        if len(rows) == n:
            break
        prompt, extra = make(rng)
        if prompt not in seen and in_eval_split(prompt) == (split == "eval"):
            seen.add(prompt)
            rows.append(make_row(domain, split, len(rows), prompt, **extra))
    return rows
