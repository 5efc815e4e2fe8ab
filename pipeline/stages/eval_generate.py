"""Eval generation: one rollout engine per eval stage, weights swapped between models, one
generate call per model.

    with ModelSwapper(cfg) as swapper:
        for label, model in models.items():
            engine = swapper.load(model)          # first: build; later: sync_weights (seconds)
            rows = sample_all(engine, rows_by_domain, cfg.eval.modes, sampling)

A model is swapped in with ``engine.sync_weights`` (vLLM: ``reload_weights`` + prefix-cache
reset) when its folder matches the loaded one in everything but the weights: the same
config.json (ignoring bookkeeping keys), generation_config.json and tokenizer files. Otherwise
(another architecture or tokenizer, or weights not in safetensors) the engine is rebuilt.
``sample_all`` renders every (row, mode) prompt itself and sends them to the engine in one
``generate_ids`` call, so vLLM schedules all domains and modes of a model as one batch (two calls, one
per budget, when ``eval.thinking_max_tokens`` gives thinking answers a longer one).
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

IGNORED_CONFIG_KEYS = ("_name_or_path", "transformers_version", "torch_dtype", "dtype", "use_cache")
# TRL saves trained checkpoints' tokenizers with left padding/truncation; the engine encodes one prompt at a time
IGNORED_TOKENIZER_KEYS = ("padding_side", "truncation_side")
SIGNATURE_FILES = ("generation_config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja",
                   "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model")


def signature(folder: Path) -> str:
    """What must match for a weight swap: config.json (minus bookkeeping keys) and the tokenizer files
    (tokenizer_config.json minus its padding and truncation sides)."""
    config = json.loads((folder / "config.json").read_text())
    h = hashlib.sha256(json.dumps({k: v for k, v in config.items() if k not in IGNORED_CONFIG_KEYS},
                                  sort_keys=True).encode())
    for name in SIGNATURE_FILES:
        if (folder / name).is_file():
            data = (folder / name).read_bytes()
            if name == "tokenizer_config.json":
                tok = json.loads(data)
                data = json.dumps({k: v for k, v in tok.items() if k not in IGNORED_TOKENIZER_KEYS}, sort_keys=True).encode()
            h.update(name.encode() + b"\0" + data)
    return h.hexdigest()


def read_weights(folder: Path) -> dict[str, Any] | None:
    """The folder's safetensors weights as one state dict (HF names); None when it has none."""
    from safetensors.torch import load_file

    files = sorted(folder.glob("*.safetensors"))
    weights: dict[str, Any] = {}
    for f in files:
        weights.update(load_file(str(f)))
    return weights or None


class ModelSwapper:
    """Holds the eval stage's one rollout engine; ``load(model)`` makes it serve that model."""

    def __init__(self, cfg: Any, **engine_options: Any):
        self.cfg, self.options = cfg, engine_options
        self.engine: Any = None
        self.signature: str | None = None
        self.switch_s: list[float] = []  # seconds per weight swap
        self.builds = 0                   # engines built

    def load(self, model: str) -> Any:
        from ..rollout.build import rollout_engine
        from ..models import resolve_model

        folder = Path(resolve_model(model))
        sig = signature(folder)
        if self.engine is not None and sig == self.signature:
            t0 = time.perf_counter()
            weights = read_weights(folder)
            if weights is not None:
                self.engine.sync_weights(weights)
                self.engine.model_path = str(folder)
                self.switch_s.append(time.perf_counter() - t0)
                log.info("eval: swapped in %s in %.2fs", model, self.switch_s[-1])
                return self.engine
        self.close()
        self.engine, self.signature = rollout_engine(self.cfg, str(folder), **self.options), sig
        self.builds += 1
        return self.engine

    def close(self) -> None:
        engine, self.engine, self.signature = self.engine, None, None
        if engine is not None:
            engine.close()

    def __enter__(self) -> "ModelSwapper":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def render_prompts(engine: Any, rows_by_domain: dict[str, list[dict[str, Any]]],
                   modes: list[str]) -> list[tuple[dict[str, Any], str, list[int], str]]:
    """(row, mode, prompt token ids, prefill) for every row of every domain in every mode."""
    from ..rollout.templates import render

    out = []
    for mode in modes:
        for rows in rows_by_domain.values():
            for row in rows:
                text, prefill = render(engine.tokenizer, row["prompt"], mode)
                out.append((row, mode, engine.tokenizer(text, add_special_tokens=False)["input_ids"], prefill))
    return out


def sample_all(engine: Any, rows_by_domain: dict[str, list[dict[str, Any]]], modes: list[str],
               sampling: Any, thinking_max_tokens: int | None = None) -> list[dict[str, Any]]:
    """``sampling.n`` completion rows per (row, mode): one engine call, or one per mode when thinking
    answers get their own ``thinking_max_tokens`` (``eval.thinking_max_tokens``: the block plus the answer)."""
    from dataclasses import replace

    prompts = render_prompts(engine, rows_by_domain, modes)
    budget = {m: (thinking_max_tokens if m == "thinking" and thinking_max_tokens else sampling.max_tokens) for m in modes}
    outs: list[Any] = [None] * len(prompts)
    for max_tokens in dict.fromkeys(budget.values()):
        idx = [i for i, p in enumerate(prompts) if budget[p[1]] == max_tokens]
        got = engine.generate_ids([prompts[i][2] for i in idx], replace(sampling, max_tokens=max_tokens))
        for i, samples in zip(idx, got):
            outs[i] = samples
    rows = []
    for (row, mode, _, prefill), samples in zip(prompts, outs):
        for k, s in enumerate(samples):
            rows.append({**row, "completion": prefill + s.text, "mode": mode, "sample_idx": k,
                         "finish_reason": s.finish_reason, "completion_tokens": len(s.token_ids)})
    return rows
