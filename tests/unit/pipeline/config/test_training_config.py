"""RL batch and data-difficulty config: prompts_per_step, gradient accumulation, dynamic sampling,
calibration bands, difficulty levels and the per-expert length penalty; bad values name the field.

    .venv/bin/python -m pytest -q tests/unit/pipeline/config/test_training_config.py -p no:cacheprovider
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


def _cfg(**sections):
    return parse_config({"domains": ["math", "logic"], "logging": {"report_to": []}, **sections})


@pytest.mark.parametrize("sections, field, needle", [
    ({"experts": {"math": {"group_size": 4, "prompts_per_step": 3, "gradient_accumulation_steps": 5}}},
     "experts.math.gradient_accumulation_steps", "group_size (4) x prompts_per_step (3) = 12 completions per step "
                                                 "must be divisible by gradient_accumulation_steps (5)"),
    ({"experts": {"math": {"gradient_accumulation_steps": 3}}},  # the spec's defaults: group 8 x 1 prompt
     "experts.math.gradient_accumulation_steps", "group_size (8) x prompts_per_step (1) = 8"),
    ({"mixed": {"group_size": 4, "prompts_per_step": 1, "gradient_accumulation_steps": 3}},
     "mixed.gradient_accumulation_steps", "= 4 completions per step"),
    ({"experts": {"math": {"prompts_per_step": 0}}}, "experts.math.prompts_per_step", "greater than 0"),
    ({"experts": {"math": {"dynamic_sampling": {"max_extra_batches": -1}}}},
     "experts.math.dynamic_sampling.max_extra_batches", "greater than or equal to 0"),
    ({"experts": {"math": {"dynamic_sampling": {"enable": True}}}}, "experts.math.dynamic_sampling.enable", "unknown key"),
    ({"experts": {"math": {"calibration": {"band": [0.7, 0.1]}}}}, "experts.math.calibration",
     "band [0.7, 0.1] must satisfy 0 <= lo <= hi <= 1"),
    ({"experts": {"math": {"calibration": {"band": [0.5, 0.5]}}}}, "experts.math.calibration", "is empty with inclusive=false"),
    ({"experts": {"math": {"calibration": {"samples": 8}}}, "rewards": {"math": [{"name": "format"}]}},
     "experts.math.calibration", "needs a correctness reward"),
    ({"data": {"math": {"difficulty": "extreme"}}}, "data.math.difficulty", "unknown difficulty 'extreme'"),
    ({"data": {"logic": {"difficulty": 7}}}, "data.logic.difficulty", "a level in [1, 2, 3]"),
    ({"domains": ["math", "code"], "data": {"code": {"difficulty": "easy"}}}, "data.code.difficulty",
     "has no difficulty levels"),
    ({"experts": {"math": {"length_penalty_weight": -0.1}}}, "experts.math.length_penalty_weight", "greater than or equal"),
    # one name for the completion length everywhere (rollout/distill/experts/mixed): max_tokens
    ({"experts": {"math": {"max_completion_len": 40}}}, "experts.math", "max_completion_len was renamed: use max_tokens"),
    ({"mixed": {"max_completion_len": 40}}, "mixed", "max_completion_len was renamed: use max_tokens"),
])
def test_bad_training_config_names_the_field(sections, field, needle):
    with pytest.raises(ConfigError) as e:
        _cfg(**sections)
    assert e.value.path == field, str(e.value)
    assert needle in str(e.value)


def test_defaults_and_valid_values():
    cfg = _cfg(experts={"math": {"group_size": 4, "prompts_per_step": 3, "gradient_accumulation_steps": 2,
                                 "calibration": {"band": [0.1, 0.7], "inclusive": True}}},
               data={"math": {"difficulty": "easy"}, "logic": {"difficulty": [1, 2]}})
    e = cfg.experts["math"]
    assert e.dynamic_sampling.enabled and e.dynamic_sampling.max_extra_batches == 2  # on by default for experts
    assert e.calibration.band == (0.1, 0.7) and e.calibration.samples == 8
    assert not cfg.mixed.dynamic_sampling.enabled and cfg.mixed.gradient_accumulation_steps == 1
    assert cfg.data["logic"].difficulty == [1, 2]


def test_batch_shape_reaches_trl(tmp_path):
    """prompts_per_step and accumulation set TRL's micro-batch, accumulation and generation batch."""
    from pipeline.train.grpo import RLJob, grpo_args

    job = RLJob(model="m", rows=[], out_dir=tmp_path, steps=3, group_size=4, prompts_per_step=3, learning_rate=1e-5,
                max_tokens=16, beta=0.0, gradient_accumulation_steps=2)
    args = grpo_args(_cfg(), job)
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps) == (6, 2)
    assert args.generation_batch_size == 12 and args.steps_per_generation == 2  # one generation of 3 groups per step


def test_expert_settings_carry_batch_and_sampling():
    from pipeline.stages.expert_rl import expert_settings

    cfg = _cfg(experts={"math": {"prompts_per_step": 4, "dynamic_sampling": {"enabled": False}}})
    s = expert_settings(cfg, "math")
    assert s["prompts_per_step"] == 4 and not s["dynamic_sampling"].enabled and s["gradient_accumulation_steps"] == 1
    d = expert_settings(cfg, "logic")  # no section: the spec's defaults, dynamic sampling on
    assert d["prompts_per_step"] == 1 and d["dynamic_sampling"].enabled and d["calibration"] is None


def test_per_expert_kl_and_length_penalty_reach_the_expert_stage():
    """Each expert's kl_beta and length_penalty_weight are its own (V3.2 tunes them per domain)."""
    from pipeline.stages.expert_rl import expert_rewards, expert_settings
    from pipeline.scoring.reward_factory import reward_lists

    cfg = _cfg(experts={"math": {"kl_beta": 0.02, "length_penalty_weight": 0.3},
                        "logic": {"kl_beta": 0.0, "length_penalty_weight": 0.05}})
    assert expert_settings(cfg, "math")["kl_beta"] == 0.02 and expert_settings(cfg, "logic")["kl_beta"] == 0.0
    math = {e["name"]: e["weight"] for e in reward_lists(expert_rewards(cfg, "math", 0.3), ["math"])["math"]}
    logic = {e["name"]: e for e in reward_lists(expert_rewards(cfg, "logic", 0.05), ["logic"])["logic"]}
    assert math["length_penalty"] == 0.3 and math["math_correctness"] == 1.0  # replaced in the spec's list
    assert logic["length_penalty"]["weight"] == 0.05 and "exact_match" in logic  # added where the list had none
    dropped = reward_lists(expert_rewards(cfg, "math", 0.0), ["math"])["math"]
    assert "length_penalty" not in {e["name"] for e in dropped}
    assert expert_rewards(cfg, "math", None) is cfg


def test_proof_config_loads_with_its_learning_settings():
    from pipeline.config import load_config

    cfg = load_config(ROOT / "configs" / "proof.yaml")
    assert cfg.domains == ["math", "logic"] and set(cfg.experts) == {"math", "logic"}
    assert all(cfg.data[d].eval_size >= 64 for d in cfg.domains)
    assert all(e.dynamic_sampling.enabled and e.prompts_per_step >= 2 for e in cfg.experts.values())
