"""Eval stage then report stage on two tiny local models (vLLM on CPU), writing domain included:
every model x domain x mode is scored with CIs on one engine (the second model's weights swapped in),
one fixed judge (judge.model's own weights, never an evaluated model's engine) scores every model
and is named in metrics.json, report.md and index.html; a rerun reads the eval cache; the report
renders from the results."""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from pipeline.config import load_config
from pipeline.run.manifest import read_manifest, write_manifest
from pipeline.run.orchestrator import run_single_stage
from pipeline.stages.evaluate import checkpoint_hash

DOMAINS = ["math", "logic", "writing"]


def _long(src: Path, dst: Path) -> Path:
    """The tiny model with a 2048-position window, so the judge prompt (~800 tokens) fits."""
    shutil.copytree(src, dst)
    cfg = json.loads((dst / "config.json").read_text())
    (dst / "config.json").write_text(json.dumps({**cfg, "max_position_embeddings": 2048}))
    return dst


@pytest.fixture(scope="module")
def models(tiny_model, tiny_model_b, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("eval_models")
    return _long(tiny_model, root / "a"), _long(tiny_model_b, root / "b")


def _config(tmp_path: Path, model: Path, out: Path) -> Path:
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({
        "model": str(model), "domains": DOMAINS, "stages": ["eval", "report"], "output_dir": str(out),
        "rollout": {"backend": "vllm", "max_tokens": 16, "max_model_len": 2048},
        "rewards": {"math": [{"name": "math_correctness", "weight": 1.0}], "logic": [{"name": "exact_match", "weight": 1.0}],
                    "writing": [{"name": "rubric_judge", "weight": 1.0}]},
        "judge": {"model": str(model), "max_tokens": 160},  # judge.model == model: the case that used to self-grade
        "data": {d: {"eval_size": 2} for d in DOMAINS},
        "eval": {"samples": 2, "pass_k": [1, 2], "modes": ["non_thinking", "thinking"]}}))
    return cfg


def _check_metrics(doc: dict, judge_model: Path, other: Path) -> dict:
    metrics = doc["models"]
    assert set(metrics) == {"base", "sft"}
    for model in metrics.values():
        assert set(model) == {f"{d}{m}" for d in DOMAINS for m in ("", "@thinking")}
        for key, m in model.items():
            assert m["n"] == 4 and m["n_samples"] == 4 and m["n_prompts"] == 2
            head = "rubric_judge" if key.startswith("writing") else "pass@1"
            assert head in m and m[head + "_ci"][0] <= m[head] <= m[head + "_ci"][1], (key, m)
            if head == "pass@1":
                assert 0.0 <= m["pass@1"] <= m["pass@2"] <= 1.0 and {"accuracy", "reward_mean", "truncation_rate"} <= set(m)
    # one fixed judge, the judge.model weights, for every model of the run
    judge = doc["judge"]
    assert judge["model"] == str(judge_model) and judge["path"] == str(judge_model)
    assert judge["checkpoint_hash"] == checkpoint_hash(str(judge_model)) != checkpoint_hash(str(other))
    pairs = {(c["a"], c["b"], c["domain"], c["metric"]) for c in doc["comparisons"]}
    assert ("sft", "base", "writing", "rubric_judge") in pairs and ("sft", "base", "math", "pass@1") in pairs
    for c in doc["comparisons"]:
        assert c["ci"][0] <= c["diff"] <= c["ci"][1] and c["n_prompts"] == 2
        assert c["significant"] == (c["ci"][0] > 0 or c["ci"][1] < 0)
    return metrics


def test_eval_then_report(models, tmp_path):
    model_a, model_b = models
    out = tmp_path / "run"
    # an upstream stage that produced a checkpoint: the eval stage scores it next to the base model
    write_manifest(out, "sft", status="complete", config_hash="x", duration_s=1.0, outputs={"checkpoint": str(model_b)})
    cfg = load_config(_config(tmp_path, model_a, out))

    t0 = time.time()
    assert run_single_stage(cfg, "eval") == 0
    first_s = time.time() - t0
    manifest = read_manifest(out, "eval")
    assert manifest["status"] == "complete" and manifest["outputs"]["cache_hits"] == []
    timing = manifest["outputs"]["timing"]
    assert timing["engine_builds"] == 1 and len(timing["switch_s"]) == 1  # model b swapped in by sync_weights
    doc = json.loads((out / "eval" / "metrics.json").read_text())
    metrics = _check_metrics(doc, model_a, model_b)
    assert manifest["outputs"]["judge"] == doc["judge"]
    samples = [json.loads(x) for x in (out / "eval" / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 2 * 3 * 2 * 2 * 2  # models x domains x modes x rows x samples
    assert {s["model"] for s in samples} == {"base", "sft"} and all("components" in s for s in samples)
    judged = [s for s in samples if s["domain"] == "writing"]
    assert all(s["status"] in ("ok", "flagged") and s["components"]["rubric_judge"] is not None for s in judged)
    assert len(sorted((out / "eval" / "cache").iterdir())) == 4  # <key>.samples.jsonl + <key>.json per model

    # rerun: the complete stage folder is cleared but the cache survives, so nothing is generated
    t0 = time.time()
    assert run_single_stage(cfg, "eval") == 0
    assert sorted(read_manifest(out, "eval")["outputs"]["cache_hits"]) == ["base", "sft"]
    assert json.loads((out / "eval" / "metrics.json").read_text()) == doc
    assert time.time() - t0 < first_s

    # changed weights (mtime) invalidate only that model's entry
    weights = next(p for p in model_b.iterdir() if p.suffix == ".safetensors")
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert run_single_stage(cfg, "eval") == 0
    assert read_manifest(out, "eval")["outputs"]["cache_hits"] == ["base"]

    # sft was swapped into base's engine on the first run and gets an engine of its own now: the same
    # samples, so the same metrics on every rule-scored domain. The judged domain is left out: the judge
    # engine's prefix cache (warm from base's rows on the first run) shifts the tiny random judge's
    # near-flat logits enough to flip some greedy scores.
    rerun = json.loads((out / "eval" / "metrics.json").read_text())["models"]
    assert {k: v for k, v in rerun["sft"].items() if not k.startswith("writing")} == \
        {k: v for k, v in metrics["sft"].items() if not k.startswith("writing")}
    assert rerun["base"] == metrics["base"]

    assert run_single_stage(cfg, "report") == 0
    _check_report(out / "report", rerun, model_a)


def _check_report(report: Path, metrics: dict, judge_model: Path) -> None:
    doc = json.loads((report / "metrics.json").read_text())
    assert doc["models"] == metrics and doc["judge"]["model"] == str(judge_model) and doc["comparisons"]
    md = (report / "report.md").read_text()
    columns = ["logic", "math", "writing", "logic@thinking", "math@thinking", "writing@thinking"]
    heads = {c: "rubric_judge" if c.startswith("writing") else "pass@1" for c in columns}
    assert "| model | " + " | ".join(f"{c} ({heads[c]})" for c in columns) + " |" in md
    for model in ("base", "sft"):
        cells = []
        for c in columns:
            m, best = metrics[model][c], max(metrics[x][c][heads[c]] for x in metrics)
            v, (lo, hi) = m[heads[c]], m[heads[c] + "_ci"]
            cells.append((f"**{v:.3f}**" if v == best else f"{v:.3f}") + f" [{lo:.3f}, {hi:.3f}] (2/4)")
        assert f"| {model} | " + " | ".join(cells) + " |" in md
    row = re.search(r"\| sft vs base \| writing \| rubric_judge \| (\**)[+-]\d\.\d{3}\1 \[[^]]+\] \| (yes|no) \|", md)
    assert row and bool(row.group(1)) == (row.group(2) == "yes")  # bold exactly when significant
    assert f"Judge (one fixed judge scored every model of this run): **{judge_model}**" in md
    html = (report / "index.html").read_text()
    assert 'id="summary-table"' in html and 'id="paired-table"' in html and html.count("data:image/png;base64,") >= 2
    assert 'id="judge-identity"' in html and checkpoint_hash(str(judge_model)) in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) and "<script" not in html
    assert read_manifest(report.parent, "report")["status"] == "complete"
