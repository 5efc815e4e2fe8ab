"""Eval stage bookkeeping without a model: models from manifests, cache keys, cache hit/miss, CLI errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.config import PipelineConfig
from pipeline.manifest import write_manifest
from pipeline.stages import evaluate

ROOT = Path(__file__).resolve().parents[2]


def _folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    (path / "model.safetensors").write_bytes(b"w" * 10)
    return path


def _fake_eval(calls: list):
    def fake(cfg, model, rows_by_domain):
        calls.append(model)
        samples = [{"id": "m1", "domain": "math", "mode": "non_thinking", "reward": 1.0, "status": "ok",
                    "components": {"math_correctness": 1.0}, "completion_tokens": 3, "model": model}]
        return evaluate.metrics_from_samples(samples, cfg.eval.pass_k), samples
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
    monkeypatch.setattr(evaluate, "evaluate_model", _fake_eval(calls))
    monkeypatch.setattr(evaluate, "eval_rows", lambda cfg: {"math": []})
    a, b = _folder(tmp_path / "a"), _folder(tmp_path / "b")
    cfg = PipelineConfig(model=str(a), domains=["math"])
    out = tmp_path / "eval"
    res = evaluate.evaluate_models(cfg, {"base": str(a), "other": str(b)}, out)
    assert calls == [str(a), str(b)] and res["cache_hits"] == []
    assert json.loads((out / "metrics.json").read_text())["models"]["other"]["math"]["pass@1"] == 1.0
    assert [json.loads(x)["model"] for x in (out / "samples.jsonl").read_text().splitlines()] == ["base", "other"]

    assert evaluate.evaluate_models(cfg, {"base": str(a), "other": str(b)}, out)["cache_hits"] == ["base", "other"]
    assert len(calls) == 2

    st = (b / "model.safetensors").stat()
    os.utime(b / "model.safetensors", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # rewritten weights
    assert evaluate.evaluate_models(cfg, {"base": str(a), "other": str(b)}, out)["cache_hits"] == ["base"]
    cfg2 = PipelineConfig(model=str(a), domains=["math"], eval={"samples": 2, "pass_k": [1, 2]})
    assert evaluate.eval_config_hash(cfg2) != evaluate.eval_config_hash(cfg)
    assert evaluate.evaluate_models(cfg2, {"base": str(a)}, out)["cache_hits"] == []
    assert len(calls) == 4


def test_cli_eval_missing_model_exit_2_writes_nothing(tmp_path):
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", "--model", str(tmp_path / "nope"),
                          "--config", "configs/demo.yaml", "--output", str(tmp_path / "ev")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0 and "does not exist" in res.stderr
    assert not (tmp_path / "ev").exists()
