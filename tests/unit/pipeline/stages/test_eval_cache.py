"""Eval stage bookkeeping without a model: models from manifests, cache keys (checkpoint, eval config,
judge), cache hit/miss, the weight-swap signature, metrics.json's CI/comparison layout, CLI errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.config import PipelineConfig
from pipeline.run.manifest import write_manifest
from pipeline.stages import eval_generate, evaluate

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # repo root at any depth


def _folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    (path / "model.safetensors").write_bytes(b"w" * 10)
    return path


def _fake_generate(calls: list):
    """Stands in for generation + scoring: model ``a`` solves both prompts, any other model only one."""
    def fake(cfg, models, rows):
        calls.extend(models.values())
        out = {}
        for label, model in models.items():
            out[label] = [{"id": f"m{i}", "domain": "math", "mode": "non_thinking", "status": "ok",
                           "reward": float(ok), "components": {"math_correctness": float(ok)}, "completion_tokens": 3}
                          for i in range(2) for ok in [model.endswith("/a") or i == 0]]
        return out, {"generate_s": 0.0, "engine_builds": 1}
    return fake


def test_models_to_evaluate_from_manifests(tmp_path):
    cfg = PipelineConfig(model="base-model", domains=["math"])
    write_manifest(tmp_path, "expert:math", status="complete", outputs={"checkpoint": "/c/math"})
    write_manifest(tmp_path, "sft", status="failed", outputs={"checkpoint": "/c/sft"})  # not complete: skipped
    write_manifest(tmp_path, "mixed", status="complete", outputs={"checkpoint": "/c/mixed"})
    write_manifest(tmp_path, "eval", status="complete", outputs={"metrics": "x"})
    assert evaluate.models_to_evaluate(cfg, tmp_path) == {"base": "base-model", "expert:math": "/c/math",
                                                          "mixed": "/c/mixed"}


def test_cache_hit_miss_and_invalidation(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(evaluate, "generate_and_score", _fake_generate(calls))
    monkeypatch.setattr(evaluate, "eval_rows", lambda cfg: {"math": []})
    a, b = _folder(tmp_path / "a"), _folder(tmp_path / "b")
    cfg = PipelineConfig(model=str(a), domains=["math"])
    out = tmp_path / "eval"
    res = evaluate.evaluate_models(cfg, {"base": str(a), "other": str(b)}, out)
    assert calls == [str(a), str(b)] and res["cache_hits"] == []
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["models"]["base"]["math"]["pass@1"] == 1.0 and doc["models"]["other"]["math"]["pass@1"] == 0.5
    assert doc["models"]["other"]["math"]["n_prompts"] == 2 and len(doc["models"]["other"]["math"]["pass@1_ci"]) == 2
    assert doc["judge"] is None  # no judged domain in this run
    assert [json.loads(x)["model"] for x in (out / "samples.jsonl").read_text().splitlines()] == ["base"] * 2 + ["other"] * 2

    assert evaluate.evaluate_models(cfg, {"base": str(a), "other": str(b)}, out)["cache_hits"] == ["base", "other"]
    assert len(calls) == 2

    st = (b / "model.safetensors").stat()
    os.utime(b / "model.safetensors", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # rewritten weights
    assert evaluate.evaluate_models(cfg, {"base": str(a), "other": str(b)}, out)["cache_hits"] == ["base"]
    cfg2 = PipelineConfig(model=str(a), domains=["math"], eval={"samples": 2, "pass_k": [1, 2]})
    assert evaluate.eval_config_hash(cfg2) != evaluate.eval_config_hash(cfg)
    assert evaluate.evaluate_models(cfg2, {"base": str(a)}, out)["cache_hits"] == []
    assert len(calls) == 4


def test_cache_key_covers_the_judge(tmp_path):
    a = _folder(tmp_path / "a")
    cfg = PipelineConfig(model=str(a), domains=["math"])
    k1, parts = evaluate.cache_key(cfg, str(a), {"checkpoint_hash": "judge-1"})
    k2, _ = evaluate.cache_key(cfg, str(a), {"checkpoint_hash": "judge-2"})
    assert k1 != k2 and parts["judge_hash"] == "judge-1"
    assert evaluate.cache_key(cfg, str(a), None)[0] == evaluate.cache_key(cfg, str(a), None)[0]


def test_judge_identity_names_the_judge_model(tmp_path):
    judge = _folder(tmp_path / "judge")
    cfg = PipelineConfig(model=str(_folder(tmp_path / "policy")), domains=["writing"], judge={"model": str(judge)})
    ident = evaluate.judge_identity(cfg)
    assert ident["model"] == str(judge) and ident["path"] == str(judge) and ident["backend"] == "vllm"
    assert ident["checkpoint_hash"] == evaluate.checkpoint_hash(str(judge))
    served = PipelineConfig(domains=["writing"], judge={"backend": "openai", "base_url": "http://j:8000/v1", "model": "big"})
    assert evaluate.judge_identity(served) == {"backend": "openai", "model": "big", "guard": "penalize",
                                               "constitution": served.judge.constitution, "endpoint": "http://j:8000/v1"}


def test_swap_signature_ignores_weights_and_bookkeeping(tmp_path):
    a, b = _folder(tmp_path / "a"), _folder(tmp_path / "b")
    (a / "config.json").write_text(json.dumps({"hidden_size": 8, "_name_or_path": "/x", "transformers_version": "5.1"}))
    (b / "config.json").write_text(json.dumps({"hidden_size": 8, "_name_or_path": "/y"}))
    (b / "model.safetensors").write_bytes(b"other weights")
    assert eval_generate.signature(a) == eval_generate.signature(b)  # only the weights differ: swap
    (b / "config.json").write_text(json.dumps({"hidden_size": 16}))
    assert eval_generate.signature(a) != eval_generate.signature(b)  # another architecture: rebuild
    (b / "config.json").write_text(json.dumps({"hidden_size": 8}))
    (a / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<e>"}))
    (b / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<e>", "padding_side": "left", "truncation_side": "left"}))
    assert eval_generate.signature(a) == eval_generate.signature(b)  # TRL's left padding on a trained checkpoint: swap
    (b / "tokenizer.json").write_text("{}")
    assert eval_generate.signature(a) != eval_generate.signature(b)  # another tokenizer: rebuild


def test_cli_eval_missing_model_exit_2_writes_nothing(tmp_path):
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", "--model", str(tmp_path / "nope"),
                          "--config", "configs/demo.yaml", "--output", str(tmp_path / "ev")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0 and "does not exist" in res.stderr
    assert not (tmp_path / "ev").exists()


def test_config_hash_covers_the_engine_dtype_that_training_dtype_implies():
    base = PipelineConfig(domains=["math"])
    bf16 = PipelineConfig(domains=["math"], training={"dtype": "bf16"})  # rollout.dtype auto follows it
    assert evaluate.eval_config_hash(bf16) != evaluate.eval_config_hash(base)
    same = PipelineConfig(domains=["math"], training={"gradient_checkpointing": True})
    assert evaluate.eval_config_hash(same) == evaluate.eval_config_hash(base)
