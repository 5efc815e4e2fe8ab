"""Eval stage then report stage on the tiny local model (vLLM on CPU): every model x domain x mode is
scored, a rerun reads the eval cache instead of generating, and the report renders from the results."""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import yaml

from pipeline.config import load_config
from pipeline.manifest import read_manifest, write_manifest
from pipeline.orchestrator import run_single_stage


def _config(tmp_path: Path, model: Path, out: Path) -> Path:
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({
        "model": str(model), "domains": ["math", "logic"], "stages": ["eval", "report"], "output_dir": str(out),
        "rollout": {"backend": "vllm", "max_tokens": 16, "max_model_len": 512},
        "data": {"math": {"eval_size": 2}, "logic": {"eval_size": 2}},
        "eval": {"samples": 2, "pass_k": [1, 2], "modes": ["non_thinking", "thinking"]}}))
    return cfg


def test_eval_then_report(tiny_model, tiny_model_b, tmp_path):
    out = tmp_path / "run"
    # an upstream stage that produced a checkpoint: the eval stage scores it next to the base model
    write_manifest(out, "sft", status="complete", config_hash="x", duration_s=1.0,
                   outputs={"checkpoint": str(tiny_model_b)})
    cfg = load_config(_config(tmp_path, tiny_model, out))

    t0 = time.time()
    assert run_single_stage(cfg, "eval") == 0
    first_s = time.time() - t0
    manifest = read_manifest(out, "eval")
    assert manifest["status"] == "complete" and manifest["outputs"]["cache_hits"] == []
    metrics = json.loads((out / "eval" / "metrics.json").read_text())["models"]
    assert set(metrics) == {"base", "sft"}
    for model in metrics.values():
        assert set(model) == {"math", "logic", "math@thinking", "logic@thinking"}
        for m in model.values():
            assert m["n"] == 4 and {"pass@1", "pass@2", "accuracy", "reward_mean", "length_mean",
                                    "truncation_rate"} <= set(m)
            assert 0.0 <= m["pass@1"] <= m["pass@2"] <= 1.0
    samples = [json.loads(x) for x in (out / "eval" / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 2 * 2 * 2 * 2 * 2  # models x domains x modes x rows x samples
    assert {s["model"] for s in samples} == {"base", "sft"} and all("components" in s for s in samples)
    cache_files = sorted(p.name for p in (out / "eval" / "cache").iterdir())
    assert len(cache_files) == 4  # <key>.samples.jsonl + <key>.json per model

    # rerun: the complete stage folder is cleared but the cache survives, so nothing is generated
    t0 = time.time()
    assert run_single_stage(cfg, "eval") == 0
    assert sorted(read_manifest(out, "eval")["outputs"]["cache_hits"]) == ["base", "sft"]
    assert json.loads((out / "eval" / "metrics.json").read_text())["models"] == metrics
    assert time.time() - t0 < first_s

    # changed weights (mtime) invalidate only that model's entry
    weights = next(p for p in Path(tiny_model_b).iterdir() if p.suffix == ".safetensors")
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert run_single_stage(cfg, "eval") == 0
    assert read_manifest(out, "eval")["outputs"]["cache_hits"] == ["base"]

    assert run_single_stage(cfg, "report") == 0
    report = out / "report"
    assert json.loads((report / "metrics.json").read_text())["models"] == metrics
    md = (report / "report.md").read_text()
    columns = ["logic", "math", "logic@thinking", "math@thinking"]
    assert "| model | " + " | ".join(f"{c} (pass@1)" for c in columns) + " |" in md
    for model in ("base", "sft"):
        cells = []
        for c in columns:
            v, best = metrics[model][c]["pass@1"], max(metrics[m][c]["pass@1"] for m in metrics)
            cells.append(f"**{v:.3f}**" if v == best else f"{v:.3f}")
        assert f"| {model} | " + " | ".join(cells) + " |" in md
    html = (report / "index.html").read_text()
    assert 'id="summary-table"' in html and html.count("data:image/png;base64,") >= 2
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) and "<script" not in html
    assert read_manifest(out, "report")["status"] == "complete"
