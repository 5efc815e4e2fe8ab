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

Budgets (``distill.budget``, pipeline/distill/budget.py): with ``target_per_group`` the stage generates
in rounds; after each, every (domain, mode) group under its target draws more prompts, more where its
pass rate is lower, up to ``max_rounds`` and ``max_prompts_per_group``. Round r's shards are named
``<domain>-<mode>-r<r>-<k>`` and planned from the finished shards of earlier rounds only, so a resumed
run plans the same ones. Thinking samples may get their own ``thinking_max_tokens``. The card lists
prompts, rounds, generated, kept and target per group; a group that kept nothing or ended under target
is named with its main rejection reason in one warning line and in the console line (``metrics.note``).

Fan-out: with ``distill.workers`` = N > 1, each generator model gets N engines in their own Ray
actors (``rollout.engine_num_cpus/engine_num_gpus`` each: one GPU per engine on a cluster, CPU
workers here) that take shards from one queue; ``shards.json`` records which engine wrote each
shard. Shard seeds make a rerun repeat its samples on the same placement; an in-process engine
and an actor (one CPU thread under Ray) round logits differently and can sample different text.

    posttrain stage distill configs/demo.yaml
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from itertools import groupby
from pathlib import Path
from typing import Any

from ..config import PipelineConfig
from ..run.manifest import stage_dir
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
        why = reject_reason(row, d.min_reward, d.min_language_consistency, d.max_violation)
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
            "completion_tokens": int(row["completion_tokens"]), "config_hash": config_hash,
            "revised": bool(row.get("revised")), "revision_principle": str(row.get("revision_principle") or "")}


def _revise(cfg: PipelineConfig, scored: list[dict[str, Any]], kept: list[dict[str, Any]], engine: Any, router: Any,
            fmt: Any, principles: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Self-critique revision of a shard's rejected samples with its own generator engine (pipeline/distill/revise.py)."""
    from ..distill.revise import revise_shard
    from ..rollout import SamplingConfig

    d = cfg.distill
    limit = d.revision.max_tokens or 2 * (d.max_tokens or cfg.rollout.max_tokens)
    sampling = SamplingConfig(max_tokens=limit, temperature=d.temperature, top_p=cfg.rollout.top_p,
                              seed=cfg.seed, top_k=cfg.rollout.top_k)

    def critic(batch: list[list[dict[str, str]]]) -> list[tuple[str, str]]:
        return [(g.samples[0].text, g.samples[0].finish_reason) for g in engine.generate(batch, sampling)]

    def rescore(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = router.score_rows(rows)
        for row, res in zip(out, fmt(out)):
            row["format_ok"] = res.score == 1.0
        return out

    tok = engine.tokenizer
    return revise_shard(scored, kept, d, critic, rescore, principles,
                        lambda text: len(tok(text, add_special_tokens=False)["input_ids"]))


def _principles(cfg: PipelineConfig) -> dict[str, str]:
    from rewards.constitution import load_constitution

    from ..paths import resolve_path

    return {p.id: p.text for p in load_constitution(resolve_path(cfg.judge.constitution)).principles}


def _generate(cfg: PipelineConfig, todo: list[Any], store: Any, config_hash: str) -> None:
    """Sample, score, filter and write every shard in ``todo``: per generator model, ``distill.workers``
    engines take shards from one queue. Sampling runs in parallel (in the engines' Ray actors when
    workers > 1); scoring and writing a shard are serialised, so the shard manifest has one writer."""
    from rewards.format import Format

    from ..run.progress import progress_bar
    from ..scoring.reward_factory import build_router
    from ..rollout import SamplingConfig

    d, r = cfg.distill, cfg.rollout
    sampling = SamplingConfig(max_tokens=d.max_tokens or r.max_tokens, temperature=d.temperature, top_p=r.top_p,
                              top_k=r.top_k)
    router = build_router(cfg, domains=sorted({s.domain for s in todo}))
    fmt, lock = Format(), threading.Lock()
    principles = _principles(cfg) if d.revision.enabled else {}
    try:
        with progress_bar(sum(len(s.rows) for s in todo), "distill prompts") as advance:
            def finish(shard: Any, samples: list[dict[str, Any]], engine: int, handle: Any) -> None:
                with lock:
                    scored = router.score_rows(samples)
                    kept, rejected = filter_shard(cfg, scored, fmt)
                    extra: dict[str, Any] = {"originals": len(kept)}
                    if d.revision.enabled:
                        revised, extra["revisions"] = _revise(cfg, scored, kept, handle, router, fmt, principles)
                        kept += revised
                    store.write(shard.id, [_output_row(x, shard, config_hash) for x in kept],
                                {"domain": shard.domain, "mode": shard.mode, "expert": shard.generator,
                                 "generated": len(scored), "rejected": rejected, "engine": engine,
                                 "lengths": [int(x["completion_tokens"]) for x in kept], "round": shard.round,
                                 "prompts": len(shard.rows), "kept_ids": sorted({str(x["id"]) for x in kept}),
                                 "think_closed": sum(1 for x in kept if x.get("think_closed")), **extra})
                    advance(len(shard.rows))

            for model, group in groupby(sorted(todo, key=lambda s: s.model), key=lambda s: s.model):
                _fan_out(cfg, model, list(group), sampling, finish)
    finally:
        router.close()


def _fan_out(cfg: PipelineConfig, model: str, shards: list[Any], sampling: Any, finish: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from experts.base import get_expert

    from ..distill.generate import sample_shard, shard_seed
    from ..rollout.build import rollout_engine
    from ..train.rl_rollout import EngineRollout

    workers = min(cfg.distill.workers, len(shards))
    queue, qlock = iter(shards), threading.Lock()

    from functools import lru_cache

    from ..scoring.reward_factory import expert_tools

    tools_for = lru_cache(maxsize=None)(lambda domain: expert_tools(cfg, domain))  # one sandbox per domain

    def work(index: int, engine: Any) -> None:
        while True:
            with qlock:
                shard = next(queue, None)
            if shard is None:
                return
            tools = tools_for(shard.domain)
            think = cfg.distill.budget.thinking_max_tokens if shard.mode == "thinking" else None
            rollout = EngineRollout(engine, replace(sampling, seed=shard_seed(cfg.seed, shard.id),
                                                    max_tokens=think or sampling.max_tokens),
                                    tools={t.__name__: t for t in tools}, max_tool_calls=cfg.rollout.max_tool_calls)
            finish(shard, sample_shard(rollout, shard, tools, cfg.distill.samples_per_prompt,
                                       cfg.distill.budget.close_think), index, engine)

    engines: list[Any] = []
    try:
        if workers == 1:  # one engine, per rollout.vllm_mode, driven from this thread
            engines.append(rollout_engine(cfg, model))
            work(0, engines[0])
            return
        with ThreadPoolExecutor(workers) as pool:  # start the engine actors side by side, then run the queue
            starts = [pool.submit(rollout_engine, cfg, model, served=True) for _ in range(workers)]
            engines += [f.result() for f in starts if f.exception() is None]
            failed = next((f.exception() for f in starts if f.exception() is not None), None)
            if failed is not None:
                raise failed
            log.info("distill: %d shards of %s over %d engine actors", len(shards), model, workers)
            list(pool.map(work, range(workers), engines))
    finally:
        for engine in engines:
            engine.close()


def _rounds(cfg: PipelineConfig, run_dir: Path, store: Any) -> tuple[list[Any], str]:
    """Generate round 0 (the shard plan), then, with ``distill.budget.target_per_group``, further rounds for
    the groups under target (pipeline/distill/budget.py); finished shards are skipped (resume).
    Returns every planned shard and the generation config hash."""
    from ..distill.budget import plan_round
    from ..distill.generate import Shard, generation_hash, load_prompts, plan_shards

    shards = plan_shards(cfg, run_dir)  # every input check happens here, before any generation
    config_hash = generation_hash(cfg, shards)
    pools: dict[str, list[dict[str, Any]]] = {}

    def pool_for(domain: str) -> list[dict[str, Any]]:
        from ..distill.budget import max_prompts

        if domain not in pools:
            pools[domain] = load_prompts(cfg, domain, max_prompts(cfg))
        return pools[domain]

    batch, r = shards, 0
    while batch:
        todo = [s for s in batch if not store.is_done(s.id)]
        log.info("distill round %d: %d shards (%d already done), %d prompts x %d samples each", r, len(batch),
                 len(batch) - len(todo), sum(len(s.rows) for s in todo), cfg.distill.samples_per_prompt)
        if todo:
            _generate(cfg, todo, store, config_hash)
        r += 1
        batch = plan_round(cfg, r, shards, store.done, pool_for, Shard)
        shards += batch
    return shards, config_hash


def _note(summary: dict[str, dict[str, Any]], target: int | None) -> str:
    """The console line's tail: groups that kept nothing (main reason) or ended under target."""
    from ..distill.budget import shortfalls

    short = shortfalls(summary, target)
    return "; ".join(short)


@register_stage("distill")
def run_distill(cfg: PipelineConfig, run_dir: Path, name: str) -> StageResult:
    from ..distill.card import render_card, summarise
    from ..distill.shards import ShardStore

    d = cfg.distill
    out = stage_dir(run_dir, name)
    store = ShardStore(out)
    shards, config_hash = _rounds(cfg, run_dir, store)
    planned = {s.id for s in shards}
    summary = summarise({k: v for k, v in store.done.items() if k in planned})
    target = d.budget.target_per_group
    card = out / "data" / "README.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(render_card(summary, cfg.model_dump(mode="json")["distill"], config_hash, target))
    kept = sum(s["kept"] for s in summary.values())
    generated = sum(s["generated"] for s in summary.values())
    note = _note(summary, target)
    if kept == 0:
        log.warning("distill: every sample was rejected (see %s); lower distill.min_reward or train the experts longer", card)
    elif note:
        log.warning("distill: %s (see %s)", note, card)
    metrics = {"kept": kept, "generated": generated, "acceptance": round(kept / generated, 4) if generated else 0.0,
               "by_group": {k: {"kept": v["kept"], "generated": v["generated"], "acceptance": v["acceptance"],
                                "prompts": v["prompts"], "rounds": v["rounds"]} for k, v in summary.items()}}
    if note:
        metrics["note"] = note
    return StageResult(outputs={"dataset": str(out / "data"), "card": str(card), "shards": str(store.manifest)},
                       metrics=metrics)
