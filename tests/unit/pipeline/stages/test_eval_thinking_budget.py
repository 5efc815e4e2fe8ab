"""``eval.thinking_max_tokens``: thinking answers get their own token budget, non-thinking answers keep
``rollout.max_tokens``. A real HF engine on the tiny random model (which almost never stops early)."""
from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.rollout import SamplingConfig
from pipeline.rollout.hf_backend import HFEngine
from pipeline.stages.eval_generate import sample_all

ROWS = {"math": [{"id": "m0", "domain": "math", "prompt": "What is 2 + 3?"},
                 {"id": "m1", "domain": "math", "prompt": "What is 4 + 4?"}]}


@pytest.fixture(scope="module")
def engine(tiny_model):
    return HFEngine(str(tiny_model))


def _lengths(rows, mode):
    return [r["completion_tokens"] for r in rows if r["mode"] == mode]


def test_thinking_answers_get_their_own_budget(engine):
    sampling = SamplingConfig(n=2, max_tokens=4, temperature=1.0, seed=0)
    rows = sample_all(engine, ROWS, ["non_thinking", "thinking"], sampling, thinking_max_tokens=9)
    assert len(rows) == 2 * 2 * 2
    assert max(_lengths(rows, "non_thinking")) <= 4 < max(_lengths(rows, "thinking")) <= 9
    assert all(r["completion"].startswith("<think>\n") for r in rows if r["mode"] == "thinking")
    assert [(r["id"], r["mode"]) for r in rows[:4]] == [("m0", "non_thinking")] * 2 + [("m1", "non_thinking")] * 2


def test_without_it_both_modes_share_the_budget(engine):
    rows = sample_all(engine, ROWS, ["non_thinking", "thinking"], SamplingConfig(max_tokens=5, temperature=1.0, seed=0))
    assert max(_lengths(rows, "thinking")) <= 5 and max(_lengths(rows, "non_thinking")) <= 5


def test_config_field_is_validated():
    assert PipelineConfig.model_validate({"eval": {"thinking_max_tokens": 64}}).eval.thinking_max_tokens == 64
    with pytest.raises(ValueError, match="thinking_max_tokens"):
        PipelineConfig.model_validate({"eval": {"thinking_max_tokens": 0}})
