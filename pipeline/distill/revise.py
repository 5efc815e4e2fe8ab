"""Self-critique revision of rejected distillation samples (Constitutional AI's critique → revision).

With ``distill.revision.enabled``, after a shard is scored and filtered, each prompt that kept
fewer than ``keep_per_prompt`` samples sends up to ``revision.max_per_prompt`` of its rejected
samples (best quality first) back to the critic with one principle: the principle the sample
violates most (``constitution_penalty/<id>`` components, reason ``violation:<id>``), or for a
sample that failed another filter the ``revision.filter_principle``. As in the paper, this takes
two turns of one conversation: a critique request (how the answer breaks the principle), then a
revision request (the whole improved answer, nothing else). A small model rarely keeps a
``CRITIQUE:``/``REVISION:`` format in one answer, so the turns are separate generate calls. The
revision is scored again by the same router and filters and kept only if it passes; in thinking
mode the critique becomes the ``<think>`` block of the revised answer.

Kept revisions carry ``revised: True`` and ``revision_principle``; the shard record counts
``revisions: {attempted, kept, no_revision, principles, rejected}`` (``rejected``: why revisions
failed the filters, by reason). Revision runs inside the shard's
finish step, before the shard is written, so a killed run redoes or skips whole shards as
before (pipeline/distill/shards.py). Samples whose conversation holds tool results (agentic
domains) are not revised: the tools would have to run again.

The critic is the shard's own generator engine (self-critique, as in the paper).
Departure from the paper: Constitutional AI revises every red-team answer several times with
randomly drawn principles; we revise only rejected samples, once, with the violated principle.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from .filters import quality, reject_reason

SCORED_KEYS = ("reward", "components", "status", "info", "format_ok")
_LABEL = re.compile(r"^\s*(?:\*\*)?(?:critique|revision|revised answer|corrected answer)\s*(?::\s*\*\*|\*\*\s*:|:)\s*",
                    re.I)
Critic = Callable[[list[list[dict[str, str]]]], list[tuple[str, str]]]
"""``critic(conversations) -> [(text, finish_reason)]``, one answer per conversation."""
REVISE_ASK = ("Now rewrite your original answer so that it respects that principle and fully answers the original "
              "request. Reply with the complete revised answer only.")


def violated_principle(row: dict[str, Any]) -> str | None:
    """The principle with the largest violation in the row's ``constitution_penalty/<id>`` components."""
    comps = row.get("components") or {}
    viol = {k.split("/", 1)[1]: v for k, v in comps.items() if k.startswith("constitution_penalty/") and v}
    return max(viol, key=viol.__getitem__) if viol else None


def critique_messages(row: dict[str, Any], principle: str, reason: str) -> list[dict[str, str]]:
    """Turn 1: the original conversation, the rejected answer, and the request to critique it."""
    ask = (f"A reviewer rejected your answer ({reason}). Principle to respect: {principle}\n"
           "In one or two sentences, say how the answer breaks that principle or fails the request.")
    return [*row["messages"][:-1], {"role": "assistant", "content": str(row["completion"])}, {"role": "user", "content": ask}]


def revision_messages(critique_conv: list[dict[str, str]], critique: str) -> list[dict[str, str]]:
    """Turn 2: the critique conversation, the critique, and the request for the whole revised answer."""
    return [*critique_conv, {"role": "assistant", "content": critique}, {"role": "user", "content": REVISE_ASK}]


def strip_label(text: str) -> str:
    """The answer without a leading ``Critique:``/``Revision:``-style label the model may add."""
    return _LABEL.sub("", text.strip(), count=1).strip()


def _candidates(scored: list[dict[str, Any]], kept: list[dict[str, Any]], keep: int, per_prompt: int,
                reasons: dict[int, str]) -> list[dict[str, Any]]:
    have: dict[Any, int] = {}
    for row in kept:
        have[row["id"]] = have.get(row["id"], 0) + 1
    by_prompt: dict[Any, list[dict[str, Any]]] = {}
    for i, row in enumerate(scored):
        if i in reasons and have.get(row["id"], 0) < keep and not any(m.get("role") == "tool" for m in row["messages"]):
            by_prompt.setdefault(row["id"], []).append({**row, "_reason": reasons[i]})
    out = []
    for rows in by_prompt.values():
        out += sorted(rows, key=lambda r: -(quality(r) if quality(r) is not None else -1e9))[:per_prompt]
    return out


def _revised_row(row: dict[str, Any], critique: str, revision: str, finish: str, principle: str,
                 count_tokens: Callable[[str], int]) -> dict[str, Any]:
    text = f"<think>\n{critique}\n</think>\n\n{revision}" if row.get("mode") == "thinking" else revision
    base = {k: v for k, v in row.items() if k not in SCORED_KEYS and k != "_reason"}
    return {**base, "completion": text, "messages": [*row["messages"][:-1], {"role": "assistant", "content": text}],
            "finish_reason": finish, "completion_tokens": count_tokens(text), "revised": True,
            "revision_principle": principle, "sample_idx": 1000 + int(row.get("sample_idx", 0))}


def revise_shard(scored: list[dict[str, Any]], kept: list[dict[str, Any]], settings: Any, critic: Critic,
                 rescore: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], principles: dict[str, str],
                 count_tokens: Callable[[str], int]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Revise a shard's rejected samples; returns (kept revisions, stats for the shard record).

    ``settings`` is the DistillConfig (keep_per_prompt, min_reward, min_language_consistency,
    max_violation, revision); ``rescore`` scores rows and sets ``format_ok`` (the stage's router
    + format check); ``principles`` maps principle id -> text.
    """
    rev = settings.revision
    reasons = {i: why for i, row in enumerate(scored)
               if (why := reject_reason(row, settings.min_reward, settings.min_language_consistency,
                                        settings.max_violation))}
    todo = _candidates(scored, kept, settings.keep_per_prompt, rev.max_per_prompt, reasons)
    stats: dict[str, Any] = {"attempted": len(todo), "kept": 0, "no_revision": 0, "principles": {}, "rejected": {}}
    if not todo:
        return [], stats
    picked = [violated_principle(r) or rev.filter_principle for r in todo]
    asks = [critique_messages(r, principles.get(p, p), r["_reason"]) for r, p in zip(todo, picked)]
    critiques = [strip_label(text) for text, _ in critic(asks)]
    answers = critic([revision_messages(ask, c) for ask, c in zip(asks, critiques)])
    revised = []
    for row, principle, critique, (text, finish) in zip(todo, picked, critiques, answers):
        stats["principles"][principle] = stats["principles"].get(principle, 0) + 1
        if not (revision := strip_label(text)):
            stats["no_revision"] += 1
        else:
            revised.append(_revised_row(row, critique, revision, finish, principle, count_tokens))
    have: dict[Any, int] = {}
    for row in kept:
        have[row["id"]] = have.get(row["id"], 0) + 1
    out, failed = [], stats["rejected"]
    for row in rescore(revised) if revised else []:
        why = reject_reason(row, settings.min_reward, settings.min_language_consistency, settings.max_violation)
        if why is None and have.get(row["id"], 0) < settings.keep_per_prompt:
            have[row["id"]] = have.get(row["id"], 0) + 1
            out.append(row)
        elif why is not None:
            failed[why] = failed.get(why, 0) + 1
    stats["kept"] = len(out)
    return out, stats
