"""Distillation stage ``distill``: the experts write answers in thinking and non-thinking mode,
the rewards filter them (rejection sampling), and the kept samples become the SFT dataset.

For each domain and mode (``distill.modes``) the generator (pipeline/distill/generate.py)
samples ``distill.samples_per_prompt`` answers per training prompt with the RolloutEngine
(vLLM, batched; agentic domains run their tools in the loop), the domain's reward router
scores them, and pipeline/distill/filters.py keeps up to ``keep_per_prompt`` per prompt:
not truncated, well-formed thinking, language-consistent, quality >= ``min_reward``,
shortest first, without exact or near duplicates.

Writes ``distill/data/*.parquet`` (chat ``messages`` + domain, mode, expert, source_id,
reward, components, completion_tokens, config_hash), ``distill/shards.json`` (finished
shards: the unit of resume, see pipeline/distill/shards.py) and ``distill/data/README.md``
(the dataset card). Killed and rerun, it continues at the first unfinished shard.

Departure from the paper: V3.2 fans generation out over many GPU engines; here one engine per
generator model runs the shards in order (Ray runs the stage itself as one task).

    posttrain stage distill configs/demo.yaml
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from itertools import groupby
from pathlib import Path
from typing import Any

from ..config import PipelineConfig
from ..manifest import stage_dir
from . import StageResult, register_stage

log = logging.getLogger(__name__)


def filter_shard(cfg: PipelineConfig, scored: list[dict[str, Any]], fmt: Any) -> tuple[list[dict[str, Any]], dict[str, int]]:
    from ..distill.filters import reject_reason, select

    d = cfg.distill
    for row, res in zip(scored, fmt(scored)):
        row["format_ok"] = res.score == 1.0
    rejected: dict[str, int] = {}
    accepted: dict[Any, list[dict[str, Any]]] = {}
    for row in scored:
        why = reject_reason(row, d.min_reward, d.min_language_consistency)
        if why:
            rejected[why] = rejected.get(why, 0) + 1
        else:
            accepted.setdefault(row["id"], []).append(row)
    kept = []
    for rows in accepted.values():
        chosen, dups = select(rows, d.keep_per_prompt, d.near_dup_threshold)
        kept += chosen
        if dups:
            rejected["near_duplicate"] = rejected.get("near_duplicate", 0) + dups
        if len(rows) - dups - len(chosen):
            rejected["over_keep"] = rejected.get("over_keep", 0) + len(rows) - dups - len(chosen)
    return kept, rejected


def _output_row(row: dict[str, Any], shard: Any, config_hash: str) -> dict[str, Any]:
    return {"messages": row["messages"], "domain": shard.domain, "mode": shard.mode, "expert": shard.generator,
            "source_id": str(row["id"]), "reward": float(row.get("reward") or 0.0),
            "components": json.dumps(row.get("components") or {}, sort_keys=True),
            "completion_tokens": int(row["completion_tokens"]), "config_hash": config_hash}


def _generate(cfg: PipelineConfig, todo: list[Any], store: Any, config_hash: str) -> None:
    """Sample, score, filter and write every shard in ``todo``, one engine per generator model."""
    from experts.base import get_expert
    from rewards.format import Format

    from ..distill.generate import sample_shard, shard_seed
    from ..progress import progress_bar
    from ..reward_factory import build_router
    from ..rl_rollout import EngineRollout
    from ..rollout import SamplingConfig, build_engine

    d, r = cfg.distill, cfg.rollout
    fmt = Format()
    sampling = SamplingConfig(max_tokens=d.max_tokens or r.max_tokens, temperature=d.temperature, top_p=r.top_p,
                              top_k=r.top_k)
    router = build_router(cfg, domains=sorted({s.domain for s in todo}))
    try:
        with progress_bar(sum(len(s.rows) for s in todo), "distill prompts") as advance:
            for model, group in groupby(sorted(todo, key=lambda s: s.model), key=lambda s: s.model):
                engine = build_engine(model, backend=r.backend, max_model_len=r.max_model_len, kv_cache_gb=r.kv_cache_gb,
                                      gpu_memory_utilization=r.gpu_memory_utilization, seed=cfg.seed)
                try:
                    for shard in group:
                        tools = get_expert(shard.domain).tool_functions()
                        rollout = EngineRollout(engine, replace(sampling, seed=shard_seed(cfg.seed, shard.id)),
                                                tools={t.__name__: t for t in tools})
                        scored = router.score_rows(sample_shard(rollout, shard, tools, d.samples_per_prompt))
                        kept, rejected = filter_shard(cfg, scored, fmt)
                        store.write(shard.id, [_output_row(x, shard, config_hash) for x in kept],
                                    {"domain": shard.domain, "mode": shard.mode, "expert": shard.generator,
                                     "generated": len(scored), "rejected": rejected,
                                     "lengths": [int(x["completion_tokens"]) for x in kept]})
                        advance(len(shard.rows))
                finally:
                    engine.close()
    finally:
        router.close()


@register_stage("distill")
def run_distill(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    from ..distill.card import render_card, summarise
    from ..distill.generate import generation_hash, plan_shards
    from ..distill.shards import ShardStore

    d = cfg.distill
    out = stage_dir(run_dir, name)
    shards = plan_shards(cfg, run_dir)  # every input check happens here, before any generation
    config_hash = generation_hash(cfg, shards)
    store = ShardStore(out)
    todo = [s for s in shards if not store.is_done(s.id)]
    log.info("distill: %d shards (%d already done), %d prompts x %d samples each", len(shards),
             len(shards) - len(todo), sum(len(s.rows) for s in todo), d.samples_per_prompt)
    if todo:
        _generate(cfg, todo, store, config_hash)
    summary = summarise(store.done)
    card = out / "data" / "README.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(render_card(summary, cfg.model_dump(mode="json")["distill"], config_hash))
    kept = sum(s["kept"] for s in summary.values())
    generated = sum(s["generated"] for s in summary.values())
    if kept == 0:
        log.warning("distill: every sample was rejected (see %s); lower distill.min_reward or train the experts longer", card)
    return StageResult(outputs={"dataset": str(out / "data"), "card": str(card), "shards": str(store.manifest)},
                       metrics={"kept": kept, "generated": generated, "acceptance": round(kept / generated, 4) if generated else 0.0,
                                "by_group": {k: {"kept": v["kept"], "acceptance": v["acceptance"]} for k, v in summary.items()}})
