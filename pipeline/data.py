"""Domain splits for a config: built-in generator or the source in ``cfg.data.<domain>``."""
from __future__ import annotations

from typing import Any

from .config import DataSource, PipelineConfig
from .errors import InputError
from .paths import resolve_path


def raw_split(cfg: PipelineConfig, domain: str, split: str, n: int | None = None) -> list[dict[str, Any]]:
    """Rows of ``domain``'s split as the source gives them (plain prompts), at ``data.<domain>.difficulty``."""
    from experts.datasets import DataSourceError, load_domain

    src = cfg.data.get(domain, DataSource())
    size = n or (src.eval_size if split == "eval" else src.train_size)
    source = str(resolve_path(src.source)) if src.source and resolve_path(src.source).exists() else src.source
    try:
        return load_domain(domain, split, size, cfg.seed, source=source, columns=src.columns or None,
                           difficulty=src.difficulty).to_list()
    except DataSourceError as e:
        raise InputError(str(e) if str(e).startswith(f"data.{domain}.") else f"data.{domain}.source: {e}") from None


def load_split(cfg: PipelineConfig, domain: str, split: str, n: int | None = None) -> list[dict[str, Any]]:
    """Rows of ``domain``'s split with the expert's prompt template applied to ``prompt``."""
    from experts.base import get_expert

    spec = get_expert(domain)
    return [{**r, "prompt": spec.format_prompt(r)} for r in raw_split(cfg, domain, split, n)]
