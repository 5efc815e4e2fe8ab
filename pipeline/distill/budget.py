"""Kept-row budgets per (domain, mode): which prompts each group draws in the next generation round.

Round 0 is :func:`generate.plan_shards` (``distill.prompts_per_domain`` prompts per group). After a
round, every group under ``distill.budget.target_per_group`` draws

    need / (kept rows per prompt so far)      prompts (a group that kept nothing counts half a row),

so the lower a group's pass rate, the more it samples, capped by ``max_prompts_per_group`` prompts over
all rounds. Fresh prompts come first (the domain's training split past the ones this group has used);
once the split runs out, prompts that kept nothing so far are tried again under the new round's shard
seed, so no prompt ever keeps more than ``keep_per_prompt`` rows. The plan of round ``r`` depends only
on the finished shards of rounds before it (``shards.json``), so a resumed run plans the same shards
and skips the finished ones: rows are neither lost nor duplicated across rounds.

The V3.2 paper does not say how it balances its distillation data; sizing each group by its measured
pass rate is this project's choice (rejection sampling until a quota, as in DeepSeek-R1's SFT data).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

UNSEEN_YIELD = 0.5
"""Kept rows assumed for a group that kept none yet (its pass rate is below 1 / prompts tried)."""


@dataclass
class GroupTally:
    """One (domain, mode) group over the finished shards: prompts drawn, samples, kept rows, reasons."""

    domain: str
    mode: str
    generator: str = ""
    model: str = ""
    prompts: int = 0
    generated: int = 0
    kept: int = 0
    rounds: int = 0
    used: list[str] = field(default_factory=list)  # prompt ids in the order drawn (a retried id repeats)
    kept_ids: set[str] = field(default_factory=set)
    rejected: Counter = field(default_factory=Counter)

    @property
    def key(self) -> str:
        return f"{self.domain}/{self.mode}"


def tally(shards: list[Any], done: dict[str, dict[str, Any]]) -> dict[tuple[str, str], GroupTally]:
    """Per (domain, mode): what the finished shards among ``shards`` drew, generated and kept."""
    out: dict[tuple[str, str], GroupTally] = {}
    for s in shards:
        t = out.setdefault((s.domain, s.mode), GroupTally(s.domain, s.mode, s.generator, s.model))
        rec = done.get(s.id)
        if rec is None:
            continue
        ids = [str(r["id"]) for r in s.rows]
        t.prompts += len(ids)
        t.used += ids
        t.generated += rec["generated"]
        t.kept += rec["rows"]
        t.rounds = max(t.rounds, getattr(s, "round", 0) + 1)
        t.rejected.update(rec.get("rejected") or {})
        t.kept_ids |= set(rec["kept_ids"]) if "kept_ids" in rec else (set(ids) if rec["rows"] else set())
    return out


def prompts_to_draw(target: int, kept: int, prompts: int, cap_left: int) -> int:
    """Prompts a group under ``target`` draws next: the kept-rows-per-prompt rate so far says how many
    it needs; at most ``cap_left``."""
    need = target - kept
    if need <= 0 or cap_left <= 0:
        return 0
    per_prompt = max(kept, UNSEEN_YIELD) / max(prompts, 1)
    return min(cap_left, math.ceil(need / per_prompt))


def next_prompts(pool: list[dict[str, Any]], t: GroupTally, n: int) -> list[dict[str, Any]]:
    """``n`` prompts for the group's next round: unused ones first (in the pool's order), then those
    that kept nothing so far."""
    used = set(t.used)
    fresh = [r for r in pool if str(r["id"]) not in used]
    retry = [r for r in pool if str(r["id"]) in used and str(r["id"]) not in t.kept_ids]
    return (fresh + retry)[:n]


def plan_round(cfg: Any, r: int, shards: list[Any], done: dict[str, dict[str, Any]],
               pool_for: Callable[[str], list[dict[str, Any]]], make_shard: Callable[..., Any]) -> list[Any]:
    """Round ``r``'s shards (``r`` >= 1) from the finished shards of the rounds before it; [] when every
    group reached its target or its cap, or there is no target."""
    d = cfg.distill
    b = d.budget
    if b.target_per_group is None or r >= b.max_rounds:
        return []
    cap = max_prompts(cfg)
    new = []
    for (dom, mode), t in sorted(tally([s for s in shards if s.round < r], done).items()):
        rows = next_prompts(pool_for(dom), t, prompts_to_draw(b.target_per_group, t.kept, t.prompts, cap - t.prompts))
        for k, start in enumerate(range(0, len(rows), d.shard_size)):
            new.append(make_shard(f"{dom}-{mode}-r{r}-{k:04d}", dom, mode, t.generator, t.model,
                                  rows[start:start + d.shard_size], round=r))
    return new


def max_prompts(cfg: Any) -> int:
    """Prompts one group may draw over all rounds."""
    return cfg.distill.budget.max_prompts_per_group or 4 * cfg.distill.prompts_per_domain


def main_reason(rejected: dict[str, int]) -> tuple[str, int] | None:
    """The most frequent rejection reason and its count (ties: alphabetical), or None."""
    if not rejected:
        return None
    return min(rejected.items(), key=lambda kv: (-kv[1], kv[0]))


def shortfalls(summary: dict[str, dict[str, Any]], target: int | None) -> list[str]:
    """One phrase per group that kept nothing (with its main rejection reason) or ended under ``target``."""
    out = []
    for key, s in summary.items():
        reason = main_reason(s["rejected"])
        why = f"mostly {reason[0]} {reason[1]}/{s['generated']}" if reason else "nothing generated"
        if s["kept"] == 0:
            out.append(f"{key} kept nothing ({why})")
        elif target is not None and s["kept"] < target:
            out.append(f"{key} kept {s['kept']} of {target} ({why})")
    return out
