"""Distillation budgets per (domain, mode): prompts drawn per round from the pass rate, the cap, fresh
prompts before retries, a plan that depends only on finished earlier rounds (resume), the card's
columns and the shortfall line."""
from __future__ import annotations

import pytest

from pipeline.config import parse_config
from pipeline.distill.budget import (UNSEEN_YIELD, main_reason, next_prompts, plan_round, prompts_to_draw, shortfalls,
                                     tally)
from pipeline.distill.card import render_card, summarise
from pipeline.distill.generate import Shard


def _cfg(**budget):
    return parse_config({"domains": ["math", "logic"], "distill": {
        "modes": ["thinking", "non_thinking"], "prompts_per_domain": 4, "shard_size": 3, "budget": budget}})


def _pool(domain: str, n: int = 40) -> list[dict]:
    return [{"id": f"{domain}-{i}", "prompt": f"q{i}"} for i in range(n)]


def _round0(cfg) -> list[Shard]:
    out = []
    for dom in cfg.domains:
        for mode in cfg.distill.modes:
            rows = _pool(dom)[:cfg.distill.prompts_per_domain]
            out += [Shard(f"{dom}-{mode}-{k:04d}", dom, mode, "base", "m", rows[s:s + 3]) for k, s in enumerate((0, 3))]
    return out


def _finish(done, shard, kept_ids, rejected=None):
    """A finished shard's manifest record, as the stage writes it (2 samples per prompt)."""
    done[shard.id] = {"rows": len(kept_ids), "domain": shard.domain, "mode": shard.mode, "expert": shard.generator,
                      "generated": 2 * len(shard.rows), "rejected": rejected or {}, "lengths": [5] * len(kept_ids),
                      "round": shard.round, "prompts": len(shard.rows), "kept_ids": sorted(kept_ids)}


@pytest.mark.parametrize("target, kept, prompts, cap_left, expected", [
    (8, 8, 4, 100, 0),            # at target
    (8, 2, 4, 100, 12),           # 0.5 kept per prompt: 6 more rows need 12 prompts
    (8, 4, 4, 100, 4),            # a higher pass rate draws fewer prompts
    (8, 0, 4, 100, 64),           # nothing kept: assume half a row over the 4 prompts tried
    (8, 0, 4, 10, 10),            # capped
    (8, 1, 4, 0, 0),              # cap reached
])
def test_prompts_to_draw_follows_the_pass_rate(target, kept, prompts, cap_left, expected):
    assert prompts_to_draw(target, kept, prompts, cap_left) == expected
    assert UNSEEN_YIELD == 0.5


def test_next_prompts_fresh_first_then_prompts_that_kept_nothing():
    cfg = _cfg(target_per_group=4)
    shards = [s for s in _round0(cfg) if s.domain == "math" and s.mode == "thinking"]
    done: dict = {}
    _finish(done, shards[0], ["math-0"])
    _finish(done, shards[1], [])
    t = tally(shards, done)[("math", "thinking")]
    assert (t.prompts, t.kept, t.generated, t.rounds) == (4, 1, 8, 1)
    assert next_prompts(_pool("math", 6), t, 5) == _pool("math", 6)[4:6] + [_pool("math")[i] for i in (1, 2, 3)]


def test_plan_round_sizes_groups_by_their_pass_rate_and_caps_them():
    cfg = _cfg(target_per_group=4, max_prompts_per_group=12)
    r0 = _round0(cfg)
    done: dict = {}
    for s in r0:  # math/thinking keeps 1 (of 4 prompts), logic/* reach the target, math/non_thinking keeps 2
        kept = {"math-thinking": ["math-0"] if s.id.endswith("0000") else [],
                "math-non_thinking": [r["id"] for r in s.rows][:1]}.get(f"{s.domain}-{s.mode}", [r["id"] for r in s.rows])
        _finish(done, s, kept)
    r1 = plan_round(cfg, 1, r0, done, _pool, Shard)
    drawn = {}
    for s in r1:
        assert s.round == 1 and s.id.startswith(f"{s.domain}-{s.mode}-r1-") and len(s.rows) <= 3
        drawn.setdefault((s.domain, s.mode), []).extend(r["id"] for r in s.rows)
    assert set(drawn) == {("math", "thinking"), ("math", "non_thinking")}  # logic groups are at target
    assert len(drawn[("math", "thinking")]) == 8  # cap 12 - 4 drawn (12 wanted: 3 rows at 0.25 per prompt)
    assert len(drawn[("math", "non_thinking")]) == 4  # 2 more rows at 0.5 per prompt
    assert drawn[("math", "thinking")] == [f"math-{i}" for i in range(4, 12)]  # fresh prompts, in order
    assert plan_round(cfg, 1, r0, done, _pool, Shard) == r1  # deterministic


def test_round_plan_ignores_its_own_unfinished_round_so_resume_replans_the_same_shards():
    cfg = _cfg(target_per_group=4, max_rounds=3, max_prompts_per_group=40)
    small = lambda dom: _pool(dom, 8)  # noqa: E731  (8 prompts: round 1 runs out of fresh ones)
    r0 = _round0(cfg)
    done: dict = {}
    for s in r0:
        _finish(done, s, [])
    r1 = plan_round(cfg, 1, r0, done, small, Shard)
    first = [s for s in r1 if (s.domain, s.mode) == ("logic", "non_thinking")]
    assert [r["id"] for s in first for r in s.rows] == [f"logic-{i}" for i in (4, 5, 6, 7, 0, 1, 2, 3)]
    _finish(done, first[0], [r["id"] for r in first[0].rows])  # killed after one shard of round 1
    assert plan_round(cfg, 1, r0 + r1, done, small, Shard) == r1  # the rerun plans round 1 unchanged
    for s in r1:
        if s.id not in done:
            _finish(done, s, [])
    r2 = plan_round(cfg, 2, r0 + r1, done, small, Shard)
    assert r2 and all(s.round == 2 for s in r2)
    again = [r["id"] for s in r2 if (s.domain, s.mode) == ("logic", "non_thinking") for r in s.rows]
    assert again == [f"logic-{i}" for i in (0, 1, 2, 3)]  # 3 kept of 12 prompts: 4 more; never 4-6, which kept
    assert plan_round(cfg, 3, r0 + r1 + r2, done, small, Shard) == []  # max_rounds reached


def test_no_target_means_one_round():
    cfg = _cfg()
    r0 = _round0(cfg)
    done: dict = {}
    for s in r0:
        _finish(done, s, [])
    assert plan_round(cfg, 1, r0, done, _pool, Shard) == []


def test_budget_config_errors_name_the_field():
    with pytest.raises(Exception, match="budget.target_per_group"):
        parse_config({"domains": ["math"], "distill": {"budget": {"target_per_group": 0}}})
    with pytest.raises(Exception, match="budget.max_rounds"):
        parse_config({"domains": ["math"], "distill": {"budget": {"max_rounds": 0}}})


def _summary():
    done = {
        "math-thinking-0000": {"rows": 0, "domain": "math", "mode": "thinking", "expert": "expert:math", "generated": 8,
                               "rejected": {"malformed_thinking": 5, "truncated": 3}, "lengths": [], "round": 0,
                               "prompts": 4},
        "math-thinking-r1-0000": {"rows": 0, "domain": "math", "mode": "thinking", "expert": "expert:math",
                                  "generated": 8, "rejected": {"truncated": 6, "low_reward": 2}, "lengths": [],
                                  "round": 1, "prompts": 4},
        "math-non_thinking-0000": {"rows": 3, "domain": "math", "mode": "non_thinking", "expert": "expert:math",
                                   "generated": 8, "rejected": {"low_reward": 5}, "lengths": [4, 5, 6], "round": 0,
                                   "prompts": 4},
        "logic-non_thinking-0000": {"rows": 4, "domain": "logic", "mode": "non_thinking", "expert": "base",
                                    "generated": 8, "rejected": {"low_reward": 4}, "lengths": [3, 3, 3, 3]},
    }
    return summarise(done)


def test_shortfalls_name_the_group_and_its_main_reason():
    s = _summary()
    assert s["math/thinking"]["rounds"] == 2 and s["math/thinking"]["prompts"] == 8
    assert s["logic/non_thinking"]["rounds"] == 1  # a record from before rounds counts as round 0
    assert main_reason({"a": 2, "b": 2, "c": 1}) == ("a", 2) and main_reason({}) is None
    assert shortfalls(s, None) == ["math/thinking kept nothing (mostly truncated 9/16)"]
    assert shortfalls(s, 4) == ["math/non_thinking kept 3 of 4 (mostly low_reward 5/8)",
                                "math/thinking kept nothing (mostly truncated 9/16)"]


def test_card_reports_kept_generated_target_and_shortfalls():
    card = render_card(_summary(), {}, "h", target=4)
    assert "| prompts | rounds | generated | kept | target |" in card
    assert "| math/thinking | expert:math | 8 | 2 | 16 | 0 | 4 | 0.0% |" in card
    assert "| logic/non_thinking | base | 0 | 1 | 8 | 4 | 4 | 50.0% |" in card
    assert "- math/thinking kept nothing (mostly truncated 9/16)" in card
    assert "- math/non_thinking kept 3 of 4" in card and "logic/non_thinking kept" not in card
    assert "| - |" in render_card(_summary(), {}, "h")  # no target column value without a target


def test_console_line_names_the_group_that_kept_nothing():
    from pipeline.run.progress import stage_summary
    from pipeline.stages.distill import _note

    note = _note(_summary(), None)
    line = stage_summary("distill", {"status": "complete", "duration_s": 3.0, "metrics": {
        "kept": 7, "generated": 32, "acceptance": 0.2188, "by_group": {}, "note": note}}, "x.log")
    assert "\n" not in line and "kept=7 generated=32 acceptance=0.2188" in line
    assert "math/thinking kept nothing (mostly truncated 9/16)" in line and line.endswith("(log: x.log)")
    assert _note({"a/b": {"kept": 2, "generated": 4, "rejected": {}}}, None) == ""


def test_a_thinking_answer_stopped_inside_its_block_is_rejected_as_malformed():
    """The base model often ends (EOS) inside an unclosed <think> (bench/results/thinking_budget.json): its
    answer part is empty, so correctness is unparseable too, but the reason recorded is the format."""
    from pipeline.distill.filters import reject_reason

    row = {"completion": "<think>\n37 + 8 = 45. The answer is 45.", "finish_reason": "stop", "status": "unparseable",
           "format_ok": False, "components": {"math_correctness": None}}
    assert reject_reason(row, 0.0, 0.8) == "malformed_thinking"
    assert reject_reason({**row, "format_ok": True}, 0.0, 0.8) == "status:unparseable"


def test_close_think_appends_the_delimiter_and_samples_an_answer(vllm_engine):
    """Budget forcing on a real engine: a thinking sample that stopped or ran out of tokens inside <think> is
    closed and answered; a closed one is left alone."""
    from pipeline.distill.close_think import CLOSE, close_unfinished, needs_close
    from pipeline.rollout import SamplingConfig
    from pipeline.train.rl_rollout import EngineRollout, _Track

    assert needs_close("<think>\n4") and not needs_close("<think>a</think> 4") and not needs_close("4")
    rollout = EngineRollout(vllm_engine, SamplingConfig(max_tokens=8, temperature=1.0, seed=0))
    tok = vllm_engine.tokenizer
    pids = tok("<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    stopped, done, truncated = _Track(pids), _Track(pids), _Track(pids)
    stopped.add(tok("<think>\n", add_special_tokens=False)["input_ids"], None, sampled=False)
    stopped.add(tok("2 plus 3 is 5", add_special_tokens=False)["input_ids"] + [tok.eos_token_id], None, sampled=True)
    done.add(tok("<think>\nx</think> 5", add_special_tokens=False)["input_ids"], None, sampled=True)
    truncated.add(tok("<think>\n2 plus 3", add_special_tokens=False)["input_ids"], None, sampled=True)
    texts = [tok.decode(t.ids, skip_special_tokens=True) for t in (stopped, done, truncated)]
    out = close_unfinished(rollout, [stopped, done, truncated], texts, answer_tokens=6)
    assert set(out) == {0, 2}  # the closed one is left alone
    text, tokens, finish = out[0]
    assert text.startswith("<think>\n2 plus 3 is 5" + CLOSE)
    assert stopped.sampled < tokens <= stopped.sampled + 6 and finish in ("stop", "length")
    assert out[2][0].startswith("<think>\n2 plus 3" + CLOSE) and truncated.sampled < out[2][1]
