"""The reward registry and build_reward's param errors. Per-reward behaviour is tested in
test_rewards_{math,logic,length,language,format}.py and test_code_reward.py."""
from __future__ import annotations

import pytest

from rewards.base import build_reward, registered_rewards


def test_registry_and_bad_params():
    names = set(registered_rewards())
    assert {"math_correctness", "code_tests", "exact_match", "length_penalty", "language_consistency", "format",
            "rubric_judge"} <= names
    with pytest.raises(ValueError, match="length_penalty"):
        build_reward("length_penalty", {"max_len": 10, "buffer": 20})
    with pytest.raises(ValueError, match="bad params"):
        build_reward("format", {"nope": 1})
    with pytest.raises(KeyError, match="unknown reward"):
        build_reward("nope")


@pytest.mark.parametrize("name,params", [("math_correctness", {"timeout_s": 2}), ("exact_match", {"ordered": False}),
                                         ("length_penalty", {"max_len": 64, "buffer": 16, "unit": "words"}),
                                         ("language_consistency", {"languages": ["en", "fr"]}),
                                         ("format", {"require_boxed": True})])
def test_rule_rewards_build_from_yaml_params(name, params):
    reward = build_reward(name, params)
    assert reward.name == name and len(reward([{"completion": "x", "answer": "x", "language": "en"}])) == 1
