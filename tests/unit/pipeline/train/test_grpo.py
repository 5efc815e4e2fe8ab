"""GRPO wiring: V3.2 settings reach TRL's GRPOConfig; the engine rollout function returns what
TRL needs (prefill masked, EOS kept, logprobs from the engine, tool turns executed)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.config import parse_config
from pipeline.train.grpo import RLJob, grpo_args, reward_trend, rl_dataset, with_modes


def _job(tmp_path: Path, **kw) -> RLJob:
    base = dict(model="m", rows=[{"id": "a", "domain": "math", "prompt": "1+1?", "answer": "2", "mode": "thinking"}],
                out_dir=tmp_path, steps=3, group_size=4, prompts_per_step=2, learning_rate=1e-5,
                max_tokens=32, beta=0.0)
    base.update(kw)
    return RLJob(**base)


@pytest.mark.parametrize("overrides, expected", [
    ({}, dict(use_bias_correction_kl=True, off_policy_mask_threshold=None, scale_rewards="none", loss_type="dapo",
              epsilon=0.2, epsilon_high=0.28)),
    ({"grpo": {"unbiased_kl": False}}, dict(use_bias_correction_kl=False)),
    ({"grpo": {"off_policy_mask_threshold": 0.5}}, dict(off_policy_mask_threshold=0.5)),
    ({"grpo": {"scale_rewards": "group"}}, dict(scale_rewards="group")),
    ({"grpo": {"loss_type": "grpo", "epsilon": 0.1, "epsilon_high": 0.4}},
     dict(loss_type="grpo", epsilon=0.1, epsilon_high=0.4)),
    ({"rollout": {"temperature": 0.6}}, dict(temperature=0.6)),
])
def test_v32_settings_reach_trl(tmp_path, overrides, expected):
    args = grpo_args(parse_config({"domains": ["math"], **overrides}), _job(tmp_path))
    for key, value in expected.items():
        assert getattr(args, key) == value, key


def test_sizes_and_kl_weight_reach_trl(tmp_path):
    args = grpo_args(parse_config({"domains": ["math"]}), _job(tmp_path, beta=0.03))
    assert (args.beta, args.num_generations, args.per_device_train_batch_size) == (0.03, 4, 8)
    assert (args.max_steps, args.max_completion_length, args.remove_unused_columns) == (3, 32, False)


def test_expert_settings_merge_spec_and_config():
    from pipeline.stages.expert_rl import expert_settings

    cfg = parse_config({"domains": ["math"], "experts": {"math": {"steps": 7, "kl_beta": 0.0, "lora": {"r": 4, "alpha": 8}}}})
    s = expert_settings(cfg, "math")
    assert s["steps"] == 7 and s["kl_beta"] == 0.0 and s["lora"].r == 4
    assert s["group_size"] == 8  # spec default kept


def test_modes_and_dataset(tmp_path):
    rows = [{"id": str(i), "domain": "math", "prompt": f"{i}+1?", "answer": str(i + 1)} for i in range(3)]
    both = with_modes(rows, "both", seed=0)
    assert sorted(r["mode"] for r in both) == ["non_thinking"] * 3 + ["thinking"] * 3
    ds = rl_dataset(_job(tmp_path, rows=both))
    assert ds[0]["prompt"][0]["role"] == "system" and ds[0]["prompt"][1]["role"] == "user"
    assert set(ds.column_names) >= {"prompt", "domain", "answer", "mode"}


def test_reward_trend():
    hist = [{"reward": r} for r in (0.0, 0.1, 0.2, 0.5, 0.6, 0.7)] + [{"train_loss": 1.0}]
    assert reward_trend(hist) == {"reward_first": 0.05, "reward_last": 0.65, "reward_delta": 0.6, "steps_logged": 6}


# ---- rollout function on a real vLLM engine (tiny model) ---------------------------------------
def _trainer(step: int = 0):
    return SimpleNamespace(state=SimpleNamespace(global_step=step))


def test_rollout_returns_trl_fields(vllm_engine):
    from pipeline.train.grpo import rl_prompt
    from pipeline.train.rl_rollout import EngineRollout
    from pipeline.rollout import SamplingConfig

    think = rl_prompt({"prompt": "What is 2 + 3?", "mode": "thinking"}, [])
    plain = rl_prompt({"prompt": "What is 2 + 3?", "mode": "non_thinking"}, [])
    rollout = EngineRollout(vllm_engine, SamplingConfig(max_tokens=12, temperature=1.0))
    out = rollout([think, think, think, plain, plain], _trainer())
    assert all(len(out[k]) == 5 for k in ("prompt_ids", "completion_ids", "logprobs", "env_mask"))
    tok = vllm_engine.tokenizer
    prefill = tok("<think>\n", add_special_tokens=False)["input_ids"]
    for i in range(3):  # thinking: the prefill is in the completion but masked out of the loss
        assert out["completion_ids"][i][:len(prefill)] == prefill
        assert out["env_mask"][i][:len(prefill)] == [0] * len(prefill)
    for ids, lps, mask, n in zip(out["completion_ids"], out["logprobs"], out["env_mask"], out["completion_tokens"]):
        assert len(ids) == len(lps) == len(mask) and sum(mask) == n <= 12
        assert all(lp <= 0 for lp, m in zip(lps, mask) if m)
    for ids, fin in zip(out["completion_ids"], out["finish_reason"]):
        assert (ids[-1] == tok.eos_token_id) == (fin == "stop")  # EOS kept so the policy learns to stop
    assert out["prompt_ids"][0] == out["prompt_ids"][2] != out["prompt_ids"][3]


def test_rollout_runs_tool_calls_in_context(vllm_engine):
    """A sampled tool call gets its result appended (masked), then generation continues."""
    from pipeline.train.grpo import rl_prompt
    from pipeline.train.rl_rollout import EngineRollout, _Track
    from pipeline.rollout import SamplingConfig

    def lookup(query: str) -> str:
        """Look something up.

        Args:
            query: what to look up.
        """
        return f"RESULT-FOR-{query}"

    rollout = EngineRollout(vllm_engine, SamplingConfig(max_tokens=400), tools={"lookup": lookup})
    assert "lookup" in rl_prompt({"prompt": "find it", "mode": "non_thinking"}, [lookup])[0]["content"]
    tok = vllm_engine.tokenizer
    pids = tok("<|im_start|>user\nfind it<|im_end|>\n<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    call = tok('<tool_call>{"name": "lookup", "arguments": {"query": "zorb"}}</tool_call>', add_special_tokens=False)["input_ids"]
    tr = _Track(pids, tools={"lookup"})
    tr.add(call, [-0.5] * len(call), sampled=True)
    tr.last = call
    rollout._tool_turns([tr])
    text = tok.decode(tr.ids)
    assert "RESULT-FOR-zorb" in text and tr.calls >= 1
    resp_start = len(call)
    assert tr.mask[:resp_start] == [1] * resp_start and tr.mask[resp_start] == 0  # tool output is not trained on
    assert tr.mask[-1] == 1 or tr.calls > 1  # the model continued after the tool result


def test_tool_call_errors_never_raise():
    from pipeline.rollout.tool_calls import ToolCall, parse_tool_call, run_tool_call

    assert parse_tool_call("no call") is None and parse_tool_call("<tool_call>{bad json</tool_call>") is None
    assert run_tool_call(ToolCall("nope", {}), {}).startswith("error: unknown tool")
    assert run_tool_call(ToolCall("f", {"x": 1}), {"f": lambda: "ok"}).startswith("error: TypeError")
