"""The distillation dataset card (``README.md`` next to the shards): per domain/mode the prompts drawn,
rounds, samples generated, rows kept (and the target, with ``distill.budget.target_per_group``),
acceptance, lengths and the rejection reasons; groups that kept nothing or ended under target are listed."""
from __future__ import annotations

from collections import Counter, defaultdict
from statistics import mean
from typing import Any


def _pct(values: list[int], q: float) -> int:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0


def summarise(shards: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per ``domain/mode``: generated, kept, acceptance rate, rejection reasons, kept lengths, and the
    self-critique counts: originals kept, revisions attempted and kept (pipeline/distill/revise.py)."""
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"generated": 0, "kept": 0, "reasons": Counter(), "lengths": [],
                                                             "experts": set(), "originals": 0, "attempted": 0,
                                                             "revised": 0, "principles": Counter(), "prompts": 0,
                                                             "rounds": 0})
    for rec in shards.values():
        g = groups[f"{rec['domain']}/{rec['mode']}"]
        g["generated"] += rec["generated"]
        g["kept"] += rec["rows"]
        g["reasons"].update(rec["rejected"])
        g["lengths"] += rec["lengths"]
        g["experts"].add(rec["expert"])
        revs = rec.get("revisions") or {}
        g["originals"] += rec.get("originals", rec["rows"])
        g["attempted"] += revs.get("attempted", 0)
        g["revised"] += revs.get("kept", 0)
        g["principles"].update(revs.get("principles") or {})
        g["prompts"] += rec.get("prompts", 0)
        g["rounds"] = max(g["rounds"], rec.get("round", 0) + 1)
    out = {}
    for key in sorted(groups):
        g = groups[key]
        out[key] = {"generated": g["generated"], "kept": g["kept"],
                    "acceptance": round(g["kept"] / g["generated"], 4) if g["generated"] else 0.0,
                    "rejected": dict(g["reasons"]), "experts": sorted(g["experts"]),
                    "length_mean": round(mean(g["lengths"]), 1) if g["lengths"] else 0.0,
                    "length_p50": _pct(g["lengths"], 0.5), "length_p90": _pct(g["lengths"], 0.9),
                    "originals": g["originals"], "revisions_attempted": g["attempted"], "revisions_kept": g["revised"],
                    "revision_principles": dict(g["principles"]), "prompts": g["prompts"], "rounds": g["rounds"]}
    return out


def _revision_lines(summary: dict[str, dict[str, Any]]) -> list[str]:
    """The self-critique table: originals kept, revisions attempted and kept, principles that triggered them."""
    if not any(s.get("revisions_attempted") for s in summary.values()):
        return []
    lines = ["## Self-critique revision", "",
             "Rows with `revised: true` were rejected, critiqued and rewritten by their generator, then passed the "
             "filters again; `revision_principle` names the principle given to the critic.", "",
             "| domain/mode | originals kept | revisions attempted | revisions kept | principles |", "|---|---|---|---|---|"]
    for key, s in summary.items():
        principles = ", ".join(f"{k} {v}" for k, v in sorted(s["revision_principles"].items())) or "-"
        lines.append(f"| {key} | {s['originals']} | {s['revisions_attempted']} | {s['revisions_kept']} | {principles} |")
    return lines + [""]


def render_card(summary: dict[str, dict[str, Any]], config: dict[str, Any], config_hash: str,
                target: int | None = None) -> str:
    """The card's markdown; ``target``: distill.budget.target_per_group (a column and a shortfall list)."""
    from .budget import shortfalls

    lines = ["# posttrain distillation data", "",
             "Chat `messages` (system + user + assistant) written by the experts and kept by rejection sampling.",
             "Columns: messages, domain, mode, expert, source_id, reward, components (JSON), completion_tokens, "
             "config_hash, revised, revision_principle.", "", f"Generation config hash: `{config_hash}`", "",
             "| domain/mode | generator | prompts | rounds | generated | kept | target | acceptance (kept / generated) | "
             "len mean | len p50 | len p90 | rejected |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, s in summary.items():
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(s["rejected"].items())) or "-"
        lines.append(f"| {key} | {', '.join(s['experts'])} | {s['prompts']} | {s['rounds']} | {s['generated']} | "
                     f"{s['kept']} | {target if target is not None else '-'} | {s['acceptance']:.1%} | "
                     f"{s['length_mean']} | {s['length_p50']} | {s['length_p90']} | {rejected} |")
    total_gen = sum(s["generated"] for s in summary.values())
    total_kept = sum(s["kept"] for s in summary.values())
    lines += ["", f"Total: {total_kept} kept of {total_gen} generated.", ""]
    short = shortfalls(summary, target)
    if short:
        lines += ["Groups that kept nothing or ended under target (main rejection reason):", "",
                  *[f"- {x}" for x in short], ""]
    lines += _revision_lines(summary)
    lines += ["## Settings", "", "```json"]
    import json

    lines += [json.dumps(config, indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines)
