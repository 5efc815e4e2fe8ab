"""Self-critique revision (pipeline/distill/revise.py): which samples go to the critic, with which
principle, and only passing revisions are kept. Scoring is the real router (math_correctness);
the critic is a scripted stand-in for the generator model (the stage wires its engine)."""
from __future__ import annotations

import pytest

from pipeline.config.schema import DistillConfig
from pipeline.distill.card import render_card, summarise
from pipeline.distill.revise import REVISE_ASK, revise_shard, strip_label, violated_principle
from rewards.router import RewardRouter

ROUTER = RewardRouter({"math": [{"name": "math_correctness"}]})
PRINCIPLES = {"helpful": "Helpful: answers the request.", "harmless": "Harmless: nothing demeaning."}
SETTINGS = DistillConfig(samples_per_prompt=2, keep_per_prompt=1, min_reward=1.0, min_language_consistency=0.0,
                         max_violation=0.0, revision={"enabled": True})


def _sample(pid, text, mode="non_thinking", idx=0):
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"What is 2+3? ({pid})"}]
    return {"id": pid, "domain": "math", "prompt": msgs[-1]["content"], "answer": "5", "completion": text, "mode": mode,
            "sample_idx": idx, "finish_reason": "stop", "completion_tokens": len(text.split()),
            "messages": msgs + [{"role": "assistant", "content": text}]}


def rescore(rows):
    out = ROUTER.score_rows(rows)
    for r in out:
        r["format_ok"] = True
    return out


class Critic:
    """Answers turn 1 (critique request) and turn 2 (revision request) from a table keyed by the rejected answer."""

    def __init__(self, answers):
        self.answers, self.seen, self.calls = answers, [], 0

    def __call__(self, batch):
        self.calls += 1
        self.seen += batch
        out = []
        for conv in batch:
            turn2 = conv[-1]["content"] == REVISE_ASK
            rejected = conv[-4 if turn2 else -2]["content"]
            critique, revision = self.answers[rejected]
            out.append((revision if turn2 else critique, "stop"))
        return out


def _run(scored, critic):
    kept = [r for r in scored if r["components"]["math_correctness"] == 1.0 and not violated_principle(r)]
    return revise_shard(scored, kept, SETTINGS, critic, rescore, PRINCIPLES, lambda t: len(t.split()))


def test_only_passing_revisions_are_kept_and_kept_prompts_are_not_revised():
    scored = rescore([_sample("a", "It is \\boxed{6}."), _sample("b", "It is \\boxed{7}."), _sample("c", "\\boxed{5}"),
                      _sample("d", "I think 4")])
    critic = Critic({"It is \\boxed{6}.": ("Critique: 2+3 is not 6.", "Revision: 2 + 3 = \\boxed{5}"),
                     "It is \\boxed{7}.": ("Check it.", "It is \\boxed{8}."),
                     "I think 4": ("I am not sure.", "  ")})
    kept, stats = _run(scored, critic)
    assert critic.calls == 2 and len(critic.seen) == 6  # c already passed: not sent; two turns for a, b, d
    assert stats == {"attempted": 3, "kept": 1, "no_revision": 1, "principles": {"helpful": 3},
                     "rejected": {"low_reward": 1}}  # b's revision is still wrong
    (row,) = kept
    assert row["id"] == "a" and row["revised"] is True and row["revision_principle"] == "helpful"
    assert row["completion"] == "2 + 3 = \\boxed{5}" and row["messages"][-1]["content"] == row["completion"]
    assert row["components"]["math_correctness"] == 1.0 and row["messages"][:2] == scored[0]["messages"][:2]
    ask = critic.seen[0][-1]["content"]
    assert "Principle to respect: Helpful" in ask and "low_reward" in ask
    turn2 = critic.seen[3]  # a's revision request carries its critique (label stripped) after the critique request
    assert turn2[-3]["content"] == ask and turn2[-2] == {"role": "assistant", "content": "2+3 is not 6."}


def test_a_violation_sends_the_violated_principle_and_thinking_gets_the_critique_as_reasoning():
    rude = rescore([_sample("a", "<think>\nsum\n</think>\n\\boxed{5}, fool.", mode="thinking")])[0]
    rude["components"].update({"constitution_penalty": 0.2, "constitution_penalty/harmless": 1.0,
                               "constitution_penalty/helpful": 0.0})
    critic = Critic({rude["completion"]: ("CRITIQUE: it insults the user.", "The sum is \\boxed{5}.")})
    kept, stats = _run([rude], critic)
    assert stats["principles"] == {"harmless": 1} and "Harmless: nothing demeaning." in critic.seen[0][-1]["content"]
    assert "violation:harmless" in critic.seen[0][-1]["content"]
    assert kept[0]["completion"] == "<think>\nit insults the user.\n</think>\n\nThe sum is \\boxed{5}."


@pytest.mark.parametrize("text,clean", [
    ("CRITIQUE: bad.", "bad."),
    ("**Revised answer:** It is 5.", "It is 5."),
    ("  Revision:   ", ""),
    ("The revision: keeps x", "The revision: keeps x"),  # a label only counts at the start
])
def test_strip_label(text, clean):
    assert strip_label(text) == clean


def test_card_counts_originals_attempts_and_kept_revisions():
    shards = {"s0": {"domain": "math", "mode": "non_thinking", "expert": "base", "generated": 8, "rows": 3, "originals": 2,
                     "rejected": {"low_reward": 6}, "lengths": [3, 4, 5],
                     "revisions": {"attempted": 4, "kept": 1, "no_revision": 1, "principles": {"helpful": 4}}},
              "s1": {"domain": "math", "mode": "non_thinking", "expert": "base", "generated": 8, "rows": 1,
                     "rejected": {}, "lengths": [3]}}  # a shard written without revision: its rows are originals
    s = summarise(shards)["math/non_thinking"]
    assert (s["originals"], s["revisions_attempted"], s["revisions_kept"]) == (3, 4, 1)
    card = render_card(summarise(shards), {}, "h")
    assert "| math/non_thinking | 3 | 4 | 1 | helpful 4 |" in card
