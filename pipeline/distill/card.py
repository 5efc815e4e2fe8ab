"""The distillation dataset card (``README.md`` next to the shards)."""
from __future__ import annotations

from collections import Counter, defaultdict
from statistics import mean
from typing import Any


def _pct(values: list[int], q: float) -> int:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0


def summarise(shards: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per ``domain/mode``: generated, kept, acceptance rate, rejection reasons, kept lengths."""
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"generated": 0, "kept": 0, "reasons": Counter(), "lengths": [],
                                                             "experts": set()})
    for rec in shards.values():
        g = groups[f"{rec['domain']}/{rec['mode']}"]
        g["generated"] += rec["generated"]
        g["kept"] += rec["rows"]
        g["reasons"].update(rec["rejected"])
        g["lengths"] += rec["lengths"]
        g["experts"].add(rec["expert"])
    out = {}
    for key in sorted(groups):
        g = groups[key]
        out[key] = {"generated": g["generated"], "kept": g["kept"],
                    "acceptance": round(g["kept"] / g["generated"], 4) if g["generated"] else 0.0,
                    "rejected": dict(g["reasons"]), "experts": sorted(g["experts"]),
                    "length_mean": round(mean(g["lengths"]), 1) if g["lengths"] else 0.0,
                    "length_p50": _pct(g["lengths"], 0.5), "length_p90": _pct(g["lengths"], 0.9)}
    return out


def render_card(summary: dict[str, dict[str, Any]], config: dict[str, Any], config_hash: str) -> str:
    lines = ["# posttrain distillation data", "",
             "Chat `messages` (system + user + assistant) written by the experts and kept by rejection sampling.",
             "Columns: messages, domain, mode, expert, source_id, reward, components (JSON), completion_tokens, "
             "config_hash.", "", f"Generation config hash: `{config_hash}`", "",
             "| domain/mode | generator | generated | kept | acceptance | len mean | len p50 | len p90 | rejected |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key, s in summary.items():
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(s["rejected"].items())) or "-"
        lines.append(f"| {key} | {', '.join(s['experts'])} | {s['generated']} | {s['kept']} | {s['acceptance']:.1%} | "
                     f"{s['length_mean']} | {s['length_p50']} | {s['length_p90']} | {rejected} |")
    total_gen = sum(s["generated"] for s in summary.values())
    total_kept = sum(s["kept"] for s in summary.values())
    lines += ["", f"Total: {total_kept} kept of {total_gen} generated.", "", "## Settings", "", "```json"]
    import json

    lines += [json.dumps(config, indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines)
