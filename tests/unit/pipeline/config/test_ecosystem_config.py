"""Config fields a user from verl/OpenRLHF/TRL reaches for: trackers checked at validate time,
sandbox isolation, trust_remote_code, training knobs, per-stage start points and resume paths."""
from __future__ import annotations

import pytest

from pipeline.config import parse_config
from pipeline.config import semantics
from pipeline.errors import ConfigError


def _cfg(**data):
    return parse_config({"domains": ["math"], **data})


def test_missing_tracker_is_a_validate_error_naming_the_field_and_the_extra(monkeypatch, tmp_path, capsys):
    from pipeline.cli import main

    monkeypatch.setitem(semantics.TRACKERS, "wandb", (("posttrain_no_such_tracker_module",), "pip install 'posttrain[wandb]'"))
    with pytest.raises(ConfigError) as e:
        _cfg(logging={"report_to": ["tensorboard", "wandb"]})
    assert "logging.report_to" in str(e.value) and "pip install 'posttrain[wandb]'" in str(e.value)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("domains: [math]\nlogging: {report_to: [wandb]}\n")
    assert main(["validate", str(cfg)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: logging.report_to:") and "posttrain[wandb]" in err[0]


def test_installed_trackers_validate():
    pytest.importorskip("mlflow"), pytest.importorskip("wandb")
    assert _cfg(logging={"report_to": ["tensorboard", "mlflow", "wandb"]}).logging.report_to[-1] == "wandb"


def test_sandbox_isolation_defaults_to_required_and_reaches_the_sandbox_params():
    cfg = _cfg()
    assert cfg.sandbox.isolation == "required"
    assert cfg.sandbox.build_params()["isolation_policy"] == "required"
    assert _cfg(sandbox={"isolation": "best_effort"}).sandbox.build_params()["isolation_policy"] == "best_effort"
    remote = _cfg(sandbox={"backend": "remote", "url": "http://sbx:8080"}).sandbox.build_params()
    assert remote["base_url"] == "http://sbx:8080" and "isolation_policy" not in remote
    with pytest.raises(ConfigError, match="sandbox.isolation"):
        _cfg(sandbox={"isolation": "none"})


def test_training_knobs_validate():
    cfg = _cfg(training={"dtype": "bf16", "attn_implementation": "eager", "gradient_checkpointing": True},
               sft={"packing": True}, trust_remote_code=True, rollout={"max_tool_calls": 5})
    assert (cfg.training.dtype, cfg.training.attn_implementation, cfg.sft.packing, cfg.rollout.max_tool_calls) == (
        "bf16", "eager", True, 5)
    for bad, field in [({"training": {"dtype": "fp8"}}, "training.dtype"),
                       ({"training": {"attn_implementation": "flash"}}, "training.attn_implementation"),
                       ({"rollout": {"max_tool_calls": -1}}, "rollout.max_tool_calls")]:
        with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
            _cfg(**bad)


def test_start_points_and_resume_paths_are_checked(tmp_path, tiny_model):
    ckpt = tmp_path / "trainer" / "checkpoint-4"
    ckpt.mkdir(parents=True)
    (ckpt / "trainer_state.json").write_text("{}")
    cfg = _cfg(mixed={"init_model": str(tiny_model), "resume_from": str(ckpt)}, experts={"math": {"resume_from": str(ckpt)}})
    assert cfg.mixed.init_model == str(tiny_model) and cfg.experts["math"].resume_from == str(ckpt)
    with pytest.raises(ConfigError, match=r"mixed\.init_model: model path .* does not exist"):
        _cfg(mixed={"init_model": str(tmp_path / "nope")})
    with pytest.raises(ConfigError, match=r"sft\.resume_from: .* does not exist"):
        _cfg(sft={"resume_from": str(tmp_path / "nope")})
    with pytest.raises(ConfigError, match=r"experts\.math\.resume_from: .*not a trainer checkpoint.*init_model"):
        _cfg(experts={"math": {"resume_from": str(tiny_model)}})
