"""Difficulty calibration: pass rate per prompt from real engine samples and real correctness rewards,
kept set = the prompts in the band, recorded in the expert stage's manifest.

    timeout 900 .venv/bin/python -m pytest -q tests/integration/test_calibration.py -p no:cacheprovider
    timeout 900 .venv/bin/python -m pytest -q tests/integration/test_calibration.py -m slow -p no:cacheprovider
"""
from __future__ import annotations

import json

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.train.calibration import in_band, pass_rates


def test_band_rules_and_rates_from_scored_rows():
    assert in_band(0.5, (0.0, 1.0), False) and not in_band(0.0, (0.0, 1.0), False) and not in_band(1.0, (0.0, 1.0), False)
    assert in_band(0.1, (0.1, 0.7), True) and not in_band(0.1, (0.1, 0.7), False) and not in_band(0.8, (0.1, 0.7), True)
    scored = [{"id": "a", "components": {"math_correctness": 1.0}}, {"id": "a", "components": {"math_correctness": 0.0}},
              {"id": "b", "components": {"math_correctness": None}}, {"id": "b", "components": {"math_correctness": 0.0}}]
    assert pass_rates(scored, ["math_correctness"]) == {"a": 0.5, "b": 0.0}


def _cfg(model, out, calibration, **extra):
    return parse_config({"model": str(model), "seed": 0, "output_dir": str(out), "domains": ["math"],
                         "rollout": {"backend": "vllm", "max_tokens": 12, "max_model_len": 512},
                         "experts": {"math": {"steps": 1, "group_size": 2, "mode": "non_thinking",
                                              "calibration": calibration, **extra}},
                         "data": {"math": {"train_size": 6, "eval_size": 2}}, "logging": {"report_to": []}})


def test_expert_stage_records_the_kept_set(tiny_model, tmp_path):
    """The tiny model never answers right (every rate 0): an inclusive [0, 0] band keeps every measured
    prompt and the stage trains on those only; the default band (0, 1) keeps none and fails naming it."""
    from pipeline.data import load_split
    from pipeline.run.manifest import read_manifest
    from pipeline.run.orchestrator import run_single_stage

    cfg = _cfg(tiny_model, tmp_path / "run", {"samples": 2, "band": [0.0, 0.0], "inclusive": True, "max_prompts": 4})
    assert run_single_stage(cfg, "expert:math") == 0
    m = read_manifest(tmp_path / "run", "expert:math")
    cal = m["metrics"]["calibration"]
    ids = [r["id"] for r in load_split(cfg, "math", "train")][:4]
    assert cal["kept_ids"] == ids and cal["measured"] == 4 and cal["kept"] == 4 and cal["never_solved"] == 4
    saved = json.loads(open(m["outputs"]["calibration"]).read())
    assert saved["rates"] == dict.fromkeys(ids, 0.0) and saved["summary"]["kept_ids"] == ids

    bad = _cfg(tiny_model, tmp_path / "run2", {"samples": 2, "max_prompts": 3})
    with pytest.raises(ConfigError, match=r"experts\.math\.calibration\.band: kept 0 of 3 prompts .*3 never solved"):
        run_single_stage(bad, "expert:math")
    assert not (tmp_path / "run2" / "expert_math" / "checkpoint").exists()  # nothing trained


@pytest.mark.slow
def test_embedded_model_calibration_keeps_only_in_band_prompts(tmp_path):
    """SmolLM2 on easy math, seeded: the kept prompts are exactly those with 0 < rate < 1 over 8 samples."""
    from pipeline.models import resolve_model
    from pipeline.stages.expert_rl import expert_settings
    from pipeline.data import load_split
    from pipeline.train.calibration import measure

    cfg = parse_config({"seed": 0, "output_dir": str(tmp_path), "domains": ["math"], "logging": {"report_to": []},
                        "rollout": {"backend": "vllm", "max_tokens": 40, "max_model_len": 1024, "temperature": 1.0},
                        "data": {"math": {"difficulty": 1, "train_size": 16}},
                        "rewards": {"math": [{"name": "math_correctness"}, {"name": "format", "weight": 0.5,
                                                                               "params": {"require_boxed": True}}]},
                        "experts": {"math": {"calibration": {"samples": 8}}}})
    s = expert_settings(cfg, "math")
    rows = load_split(cfg, "math", "train")
    cal = measure(cfg, "math", str(resolve_model(cfg.model)), rows, s["calibration"], "non_thinking", 40)
    assert set(cal.rates) == {r["id"] for r in rows}
    assert all(rate * 8 == round(rate * 8) for rate in cal.rates.values())  # k of 8 samples
    assert cal.kept == [r["id"] for r in rows if 0 < cal.rates[r["id"]] < 1]
    print(json.dumps(cal.summary()))
