"""Who writes each (domain, mode), the shard plan, and sampling + scoring one shard.

Generators (``distill.mode_experts``, per mode): ``expert`` (default) is each domain's own
expert when the run trains one (``experts`` lists the domain), else the base model;
``base`` is the base model; ``expert:<domain>`` is that one expert for every domain. An
expert the plan needs must have a complete stage with a checkpoint whose vocabulary matches
the base model's; otherwise an InputError says so before anything is generated.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import PipelineConfig
from ..errors import InputError
from ..run.manifest import read_record


@dataclass
class Shard:
    id: str
    domain: str
    mode: str
    generator: str  # "base" or "expert:<domain>"
    model: str      # path or alias of the generator's weights
    rows: list[dict[str, Any]] = field(default_factory=list)
    round: int = 0  # generation round (pipeline/distill/budget.py); 0 = the first plan


def generator_label(cfg: PipelineConfig, domain: str, mode: str) -> str:
    choice = cfg.distill.mode_experts.get(mode, "expert")
    if choice == "expert":
        return f"expert:{domain}" if domain in cfg.experts else "base"
    return choice


def _vocab_size(model: str) -> int | None:
    from ..models import resolve_model

    cfg_file = Path(resolve_model(model)) / "config.json"
    if not cfg_file.is_file():
        return None
    data = json.loads(cfg_file.read_text())
    return data.get("vocab_size") or data.get("text_config", {}).get("vocab_size")


def generator_model(cfg: PipelineConfig, run_dir: Path, label: str) -> str:
    if label == "base":
        from ..models import resolve_model

        return str(resolve_model(cfg.model))
    r = read_record(run_dir, label)
    ckpt = r.checkpoint if r else None
    if not ckpt or not (Path(ckpt) / "config.json").is_file():
        raise InputError(f"distill needs the {label} checkpoint, but {run_dir} has no complete {label} stage with one; "
                         f"run `posttrain stage {label} CONFIG` first, or set distill.mode_experts to base")
    from ..models import check_checkpoint

    check_checkpoint(ckpt)  # a truncated or garbled checkpoint is an error here, not deep inside the engine
    base, own = _vocab_size(cfg.model), _vocab_size(ckpt)
    if base != own:
        raise InputError(f"{label} checkpoint {ckpt} is incompatible with the base model {cfg.model}: vocab_size {own} "
                         f"vs {base}; retrain the expert from this base model")
    return ckpt


def load_prompts(cfg: PipelineConfig, domain: str, n: int | None = None) -> list[dict[str, Any]]:
    """The first ``n`` (default ``distill.prompts_per_domain``) training prompts of ``domain``, checked."""
    from ..data import load_split

    rows = load_split(cfg, domain, "train", n or cfg.distill.prompts_per_domain)
    if not rows:
        raise InputError(f"data.{domain}: no training prompts to distil; check data.{domain}.source and train_size")
    for i, r in enumerate(rows):
        if not isinstance(r.get("prompt"), str) or not r["prompt"].strip():
            raise InputError(f"data.{domain} row {i} (id {r.get('id')!r}): empty or non-text prompt; fix the source data")
        if r.get("id") in (None, ""):
            raise InputError(f"data.{domain} row {i}: missing id; every prompt row needs a unique id")
    return rows


def plan_shards(cfg: PipelineConfig, run_dir: Path) -> list[Shard]:
    """Every shard of the run, in a fixed order; checks prompts and generators first."""
    d = cfg.distill
    prompts = {dom: load_prompts(cfg, dom) for dom in cfg.domains}
    models: dict[str, str] = {}
    shards = []
    for dom in cfg.domains:
        for mode in d.modes:
            label = generator_label(cfg, dom, mode)
            if label not in models:
                models[label] = generator_model(cfg, run_dir, label)
            rows = prompts[dom]
            for k, start in enumerate(range(0, len(rows), d.shard_size)):
                shards.append(Shard(f"{dom}-{mode}-{k:04d}", dom, mode, label, models[label],
                                    rows[start:start + d.shard_size]))
    return shards


def generation_hash(cfg: PipelineConfig, shards: list[Shard]) -> str:
    data = cfg.model_dump(mode="json")
    payload = {"seed": cfg.seed, "model": cfg.model, "distill": data["distill"], "rollout": data["rollout"],
               "rewards": data["rewards"], "generators": sorted({(s.generator, s.model) for s in shards})}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def shard_seed(seed: int, shard_id: str) -> int:
    return (seed * 1_000_003 + int(hashlib.sha256(shard_id.encode()).hexdigest()[:8], 16)) % (2**31)


def sample_shard(rollout: Any, shard: Shard, tools: list[Any], n: int, close_think: int = 0) -> list[dict[str, Any]]:
    """``n`` completions per prompt row (tool calls run in the loop for agentic domains). Each
    output row carries the chat ``messages`` it would be trained on. ``close_think`` > 0: thinking
    samples that ended inside an unclosed ``<think>`` get it closed and an answer of at most that
    many tokens (pipeline/distill/close_think.py; the row's ``think_closed`` is then True)."""
    from ..train.grpo import rl_prompt
    from .close_think import close_unfinished

    prompts, metas = [], []
    for row in shard.rows:
        msgs = rl_prompt({**row, "mode": shard.mode}, tools)
        prompts += [msgs] * n
        metas += [(row, msgs, k) for k in range(n)]
    tracks = rollout.generate(prompts)
    tok = rollout.tok
    texts = [tok.decode(tr.ids, skip_special_tokens=True) for tr in tracks]
    closed = close_unfinished(rollout, tracks, texts, close_think) if close_think and shard.mode == "thinking" else {}
    out = []
    for i, ((row, msgs, k), tr) in enumerate(zip(metas, tracks)):
        text, tokens, finish = closed.get(i, (texts[i], tr.sampled, tr.finish))
        out.append({**row, "completion": text, "mode": shard.mode, "sample_idx": k, "finish_reason": finish,
                    "completion_tokens": tokens, "think_closed": i in closed,
                    "messages": msgs + [{"role": "assistant", "content": text}]})
    return out
