"""Rejection sampling rules for distillation (pure functions over scored rows).

A scored row is the reward router's output row: the prompt row plus ``completion``, ``mode``,
``finish_reason``, ``completion_tokens``, ``reward``, ``components`` and ``status``.

``reject_reason(row, ...)`` returns why a sample is dropped, or None:

- ``truncated``: generation hit the token limit;
- ``malformed_thinking``: thinking mode without exactly one non-empty ``<think>`` block and an
  answer after it (the ``format`` reward's rule); think tags in non-thinking mode. Checked before
  the status: a thinking answer that stops inside its unclosed block has no answer part, so its
  correctness reward is also unparseable, and the cause is the format;
- ``status:<s>``: a reward could not score it (unparseable answer, sandbox error, ...);
- ``violation:<principle>``: with ``max_violation`` set, the ``constitution_penalty`` score is
  above it (the principle named is the most violated one, see pipeline/distill/revise.py);
- ``mixed_language``: language consistency below the threshold;
- ``low_reward``: the quality score is below ``min_reward``. The quality score is the minimum
  of the correctness components (math_correctness, code_tests, exact_match); for domains
  without one (writing) it is the judge score ``rubric_judge``; otherwise the total reward.

``select(rows, keep, threshold)`` then removes exact and near duplicates (Jaccard similarity
of word 5-gram shingles) among one prompt's accepted samples, shortest first, and keeps ``keep``.
"""
from __future__ import annotations

import re
from typing import Any

CORRECTNESS = ("math_correctness", "code_tests", "exact_match")
JUDGE = "rubric_judge"
PENALTY = "constitution_penalty"
SHINGLE = 5


def quality(row: dict[str, Any]) -> float | None:
    comps = row.get("components") or {}
    correct = [comps[c] for c in CORRECTNESS if comps.get(c) is not None]
    if correct:
        return float(min(correct))
    if comps.get(JUDGE) is not None:
        return float(comps[JUDGE])
    return row.get("reward")


def reject_reason(row: dict[str, Any], min_reward: float, min_language: float,
                  max_violation: float | None = None) -> str | None:
    if row.get("finish_reason") == "length":
        return "truncated"
    if row.get("format_ok") is False:
        return "malformed_thinking"
    if row.get("status", "ok") != "ok":
        return f"status:{row['status']}"
    violation = (row.get("components") or {}).get(PENALTY)
    if max_violation is not None and violation is not None and violation > max_violation:
        comps = row["components"]
        worst = max((k for k in comps if k.startswith(PENALTY + "/")), key=lambda k: comps[k] or 0, default=PENALTY)
        return f"violation:{worst.split('/', 1)[-1]}"
    lang = (row.get("components") or {}).get("language_consistency")
    if lang is not None and lang < min_language:
        return "mixed_language"
    q = quality(row)
    if q is None or q < min_reward:
        return "low_reward"
    return None


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+|[^\w\s]", text.lower())
    if len(words) < SHINGLE:
        return {tuple(words)}
    return {tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def select(rows: list[dict[str, Any]], keep: int, threshold: float) -> tuple[list[dict[str, Any]], int]:
    """(kept rows, number dropped as duplicates) among one prompt's accepted samples."""
    kept: list[dict[str, Any]] = []
    seen: list[set] = []
    dups = 0
    for row in sorted(rows, key=lambda r: (r.get("completion_tokens") or 0, r.get("sample_idx", 0))):
        if len(kept) == keep:
            break
        sh = _shingles(" ".join(str(row["completion"]).split()))
        if any(jaccard(sh, s) >= threshold for s in seen):
            dups += 1
            continue
        kept.append(row)
        seen.append(sh)
    return kept, dups
