"""Experts that think (issue 28): ``mode: both`` rows keep their own mode through the dataset, the
rollout (system prompt, ``<think>`` prefill, per-mode token budget) and the format reward."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.train.grpo import RLJob, grpo_args, rl_dataset, with_modes
from rewards.router import RewardRouter

THINK_OK = "<think>\n2 plus 2 is 4</think>\nThe answer is \\boxed{4}."
PLAIN_OK = "The answer is \\boxed{4}."


def _rows(n: int = 4) -> list[dict]:
    return [{"id": str(i), "domain": "math", "prompt": f"{i}+1?", "answer": str(i + 1)} for i in range(n)]


def test_both_gives_each_prompt_once_per_mode_and_keeps_a_rows_own_mode():
    rows = _rows(3) + [{"id": "own", "domain": "math", "prompt": "x?", "answer": "1", "mode": "thinking"}]
    out = with_modes(rows, "both", seed=0)
    assert sorted((r["id"], r["mode"]) for r in out) == sorted(
        [(str(i), m) for i in range(3) for m in ("thinking", "non_thinking")] + [("own", "thinking")])
    assert with_modes(rows, "both", seed=0) == out  # seeded
    assert {r["mode"] for r in with_modes(rows, "non_thinking", 0)} == {"non_thinking"}


def test_each_rows_prompt_follows_its_mode(tmp_path):
    from pipeline.rollout.templates import SYSTEM_PROMPTS
    from pipeline.train.rl_rollout import prompt_mode

    job = RLJob(model="m", rows=with_modes(_rows(2), "both", 0), out_dir=tmp_path, steps=1, group_size=2,
                prompts_per_step=1, learning_rate=1e-5, max_tokens=8, beta=0.0)
    ds = rl_dataset(job)
    for rec in ds:
        assert rec["prompt"][0]["content"] == SYSTEM_PROMPTS[rec["mode"]]
        assert prompt_mode(rec["prompt"]) == rec["mode"]


@pytest.mark.parametrize("settings, expected", [
    ({"mode": "both", "max_tokens": 40}, {"thinking": 80, "non_thinking": 40}),
    ({"mode": "both", "max_tokens": 40, "thinking_max_tokens": 120}, {"thinking": 120, "non_thinking": 40}),
    ({"mode": "non_thinking", "max_tokens": 40, "thinking_max_tokens": 120}, {"non_thinking": 40}),
    ({"mode": "thinking", "max_tokens": 40}, {"thinking": 80}),
])
def test_mode_budgets(settings, expected):
    from pipeline.stages.expert_rl import mode_budgets

    assert mode_budgets(settings) == expected


def test_trl_completion_length_is_the_largest_budget(tmp_path):
    job = RLJob(model="m", rows=_rows(1), out_dir=tmp_path, steps=1, group_size=2, prompts_per_step=1,
                learning_rate=1e-5, max_tokens=40, beta=0.0, max_tokens_by_mode={"thinking": 80, "non_thinking": 40})
    assert grpo_args(parse_config({"domains": ["math"]}), job).max_completion_length == 80


def test_expert_settings_take_thinking_max_tokens():
    from pipeline.stages.expert_rl import expert_settings, mode_budgets

    cfg = parse_config({"domains": ["math"], "experts": {"math": {"mode": "both", "max_tokens": 32,
                                                                  "thinking_max_tokens": 96}}})
    assert mode_budgets(expert_settings(cfg, "math")) == {"thinking": 96, "non_thinking": 32}
    with pytest.raises(Exception, match="thinking_max_tokens"):
        parse_config({"domains": ["math"], "experts": {"math": {"thinking_max_tokens": 0}}})


def test_thinking_experts_get_a_format_reward_when_their_list_has_none():
    from pipeline.stages.expert_rl import THINK_FORMAT_WEIGHT, with_think_format

    cfg = parse_config({"domains": ["logic"], "rewards": {"logic": [{"name": "exact_match", "weight": 1.0}]}})
    assert with_think_format(cfg, "logic", "non_thinking") is cfg
    names = [(e.name, e.weight) for e in with_think_format(cfg, "logic", "both").rewards["logic"]]
    assert names == [("exact_match", 1.0), ("format", THINK_FORMAT_WEIGHT)]
    has = parse_config({"domains": ["logic"], "rewards": {"logic": [{"name": "format", "weight": 0.3}]}})
    assert with_think_format(has, "logic", "both") is has  # the configured one stays as it is


def test_format_reward_is_routed_by_each_rows_mode():
    """Through the router's TRL reward function, as GRPO calls it: the ``mode`` column decides the rule."""
    router = RewardRouter({"math": [{"name": "format", "weight": 0.5, "params": {"require_boxed": True}}]})
    fn = router.trl_reward_funcs()[0]
    completions = [THINK_OK, PLAIN_OK, PLAIN_OK, THINK_OK, "<think>\n</think>\\boxed{4}", "<think>\nhmm</think>\n",
                   "<think>\na</think><think>b</think>\\boxed{4}", "<think>\nno close \\boxed{4}"]
    modes = ["thinking", "non_thinking", "thinking", "non_thinking", "thinking", "thinking", "thinking", "thinking"]
    out = fn(prompts=["p"] * len(modes), completions=completions, domain=["math"] * len(modes), mode=modes)
    assert out == [0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    reasons = [s.results["format"].info.get("reason") for s in router._last.scored]
    assert reasons[2] == "response does not start with <think>" and reasons[3] == "think tags in non-thinking mode"
    assert reasons[4] == "empty thinking" and reasons[5] == "empty answer after </think>"
    assert reasons[6] == "more than one <think> or </think>" and reasons[7] == "unclosed <think>"


# ---- the rollout gives each mode its own budget (real vLLM engine on the tiny model) -------------
def _trainer():
    from types import SimpleNamespace

    return SimpleNamespace(state=SimpleNamespace(global_step=0))


def test_rollout_budget_per_mode(vllm_engine):
    from pipeline.rollout import SamplingConfig
    from pipeline.train.grpo import rl_prompt
    from pipeline.train.rl_rollout import EngineRollout

    think = rl_prompt({"prompt": "What is 2 + 3?", "mode": "thinking"}, [])
    plain = rl_prompt({"prompt": "What is 2 + 3?", "mode": "non_thinking"}, [])
    rollout = EngineRollout(vllm_engine, SamplingConfig(max_tokens=4, temperature=1.0, seed=0),
                            max_tokens_by_mode={"thinking": 12, "non_thinking": 4})
    out = rollout([think] * 4 + [plain] * 4, _trainer())
    think_n, plain_n = out["completion_tokens"][:4], out["completion_tokens"][4:]
    assert max(plain_n) <= 4 and max(think_n) <= 12
    assert max(think_n) > 4  # the random tiny model rarely stops early: thinking rows used their longer budget
    tok = vllm_engine.tokenizer
    assert all(tok.decode(ids).startswith("<think>") for ids in out["completion_ids"][:4])
    assert not any("<think>" in tok.decode(ids) for ids in out["completion_ids"][4:])
