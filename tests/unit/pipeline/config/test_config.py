"""Typed configs: every shipped config loads; bad configs give one line naming the field."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.config import apply_overrides, load_config, parse_config
from pipeline.errors import ConfigError

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # repo root at any depth
SHIPPED = sorted(p for p in (ROOT / "configs").rglob("*.yaml") if "constitutions" not in p.parts)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_loads(path):
    cfg = load_config(path)
    assert cfg.model and cfg.domains
    # stage tasks receive the config as its JSON dump and validate it again: the dump must load as itself
    assert type(cfg).model_validate(cfg.model_dump(mode="json")) == cfg


def test_overrides_are_typed_and_nested():
    cfg = load_config(ROOT / "configs/demo.yaml", ["rollout.max_tokens=32", "eval.samples=4", "eval.pass_k=[1,4]",
                                                    "rewards.math.0.weight=0.5", "experts.math.steps=3"])
    assert cfg.rollout.max_tokens == 32 and cfg.eval.pass_k == [1, 4]
    assert cfg.rewards["math"][0].weight == 0.5 and cfg.experts["math"].steps == 3


BASE = yaml.safe_load((ROOT / "configs/demo.yaml").read_text())

# (override list, expected dotted path in the message, expected fragment)
BAD = [
    (["rollout.max_tokns=3"], "rollout.max_tokns", "unknown key"),
    (["rollout.max_tokens=-1"], "rollout.max_tokens", "greater than 0"),
    (["rollout.max_tokens=lots"], "rollout.max_tokens", "integer"),
    (["rollout.backend=tgi"], "rollout.backend", "vllm"),
    (["rewards.math.0.name=lenght_penalty"], "rewards.math[0].name", "unknown reward"),
    (["rewards.math.0.penalty=-1"], "rewards.math[0].penalty", "greater than or equal to 0"),
    (["rewards.logic=[{name: exact_match, weight: 0}]"], "rewards", "positive weight"),
    (["rewards.logic=[{name: exact_match, weight: -1}]"], "rewards", "positive weight"),
    (["rewards.logic=[{name: exact_match}, {name: constitution_penalty, penalty: 0.2, weight: -0.2}]"], "rewards",
     "both weight and penalty"),
    (["rewards.cooking=[{name: exact_match}]"], "rewards.cooking", "unknown domain"),
    (["domains=[math, poetry]"], "domains[1]", "unknown domain"),
    (["experts.chess={steps: 2}"], "experts.chess", "unknown domain"),
    (["judge.constitution=configs/constitutions/missing.yaml"], "judge.constitution", "not found"),
    (["judge.guard=maybe"], "judge.guard", "off"),
    (["judge.backend=openai"], "judge.base_url", "required"),
    (["judge.serve=true"], "judge.serve", "needs judge.backend=openai"),
    (["judge.backend=openai", "judge.serve=true", "judge.base_url=http://j:8000/v1"], "judge.base_url", "must be unset"),
    (["gold_judge={backend: openai, model: big}"], "gold_judge.base_url", "required"),
    (["gold_judge={constitution: configs/constitutions/missing.yaml}"], "gold_judge.constitution", "not found"),
    (["distill.revision.max_per_prompt=0"], "distill.revision.max_per_prompt", "greater than 0"),
    (["distill.max_violation=2"], "distill.max_violation", "less than or equal to 1"),
    (["judge.serve_resources.num_gpus=-1"], "judge.serve_resources.num_gpus", "greater than or equal to 0"),
    (["data.math.source=/nope/math.jsonl"], "data.math.source", "not found"),
    (["eval.pass_k=[1,8]"], "eval", "pass_k"),
    (["resources.trainer={num_cpus: 1}"], "resources.trainer", "unknown stage kind"),
    (["sandbox.backend=remote"], "sandbox.url", "required"),
    (["distill.workers=0"], "distill.workers", "greater than 0"),
    (["rollout.engine_num_gpus=-1"], "rollout.engine_num_gpus", "greater than or equal to 0"),
]


@pytest.mark.parametrize("overrides,path,fragment", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_config_names_field(overrides, path, fragment):
    import copy

    with pytest.raises(ConfigError) as ei:
        parse_config(apply_overrides(copy.deepcopy(BASE), overrides))
    msg = str(ei.value)
    assert msg.startswith(path + ":"), msg
    assert fragment in msg and "\n" not in msg


def test_served_judge_needs_no_base_url():
    import copy

    cfg = parse_config(apply_overrides(copy.deepcopy(BASE), ["judge.backend=openai", "judge.serve=true", "judge.serve_resources.num_gpus=1"]))
    assert cfg.judge.serve and cfg.judge.base_url is None and cfg.judge.serve_resources.num_cpus == 1


def test_bad_override_syntax():
    with pytest.raises(ConfigError, match="dotted.key=value"):
        apply_overrides({}, ["novalue"])


def test_validate_cli_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "pipeline.cli", "validate", str(ROOT / "configs/demo.yaml")],
                        capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "pipeline.cli", "validate", str(ROOT / "configs/demo.yaml"),
                          "rewards.math.0.name=nope"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2
    lines = [ln for ln in bad.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: rewards.math[0].name: unknown reward 'nope'")
    assert list(tmp_path.iterdir()) == []  # wrote nothing


def test_missing_config_file_is_clear(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "validate", str(tmp_path / "x.yaml")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "not found" in r.stderr


def test_mixed_thinking_rows_get_their_own_budget():
    """mixed.thinking_max_tokens, as the experts': None = 2 x max_tokens (else rollout.max_tokens)."""
    from pipeline.config import PipelineConfig

    m = PipelineConfig.model_validate({"mixed": {"mode": "both", "max_tokens": 48}}).mixed
    assert m.budgets(96) == {"non_thinking": 48, "thinking": 96}
    m = PipelineConfig.model_validate({"mixed": {"mode": "thinking", "thinking_max_tokens": 80}}).mixed
    assert m.budgets(40) == {"thinking": 80}
    assert PipelineConfig.model_validate({}).mixed.budgets(40) == {"non_thinking": 40}
