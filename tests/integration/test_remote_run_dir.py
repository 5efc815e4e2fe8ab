"""`posttrain run` with output_dir an fsspec URL, on a real local Ray runtime: stages work in a local
staging folder and push to the URL; a rerun with the staging folder gone skips every stage from the
remote manifests; a stage run elsewhere (another staging folder) pulls its upstream stages.

The "remote" is a ``file://`` URL to a separate temp folder, which goes through the generic fsspec
sync path (only an output_dir without ``://`` is a plain local folder)."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.integration.test_run_ray import _run

pytestmark = pytest.mark.ray


def _files(root) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_remote_output_dir_push_resume_and_pull(tiny_model, tmp_path):
    from pipeline.config import load_config
    from pipeline.run.orchestrator import run_single_stage
    from pipeline.run.run_store import RUN_DIR_TOKEN, staging_path

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({
        "model": str(tiny_model), "domains": ["math"], "stages": ["eval", "report"],
        "rollout": {"backend": "hf", "max_tokens": 8, "max_model_len": 512},
        "data": {"math": {"eval_size": 2}}, "eval": {"samples": 1},
        "resources": {"eval": {"num_cpus": 1}, "report": {"num_cpus": 1}}, "logging": {"report_to": []}}))
    remote = tmp_path / "bucket" / "runs" / "x"
    url = f"file://{remote}"
    staging_a, staging_b = tmp_path / "node_a", tmp_path / "node_b"
    local_a = staging_path(url, str(staging_a))

    first = _run(cfg, url, f"staging_dir={staging_a}")
    assert first.returncode == 0, first.stderr[-3000:]
    files = _files(remote)
    assert {"config.json", "eval/manifest.json", "eval/metrics.json", "eval/samples.jsonl",
            "report/manifest.json", "report/index.html"} <= files, files
    assert _files(local_a) >= files  # the staging copy holds what was pushed
    raw = {s: json.loads((remote / s / "manifest.json").read_text()) for s in ("eval", "report")}
    assert all(m["status"] == "complete" for m in raw.values())
    assert raw["eval"]["outputs"]["metrics"] == f"{RUN_DIR_TOKEN}/eval/metrics.json"
    assert str(staging_a) not in (remote / "report" / "manifest.json").read_text()

    shutil.rmtree(staging_a)  # this node's copy is gone: the rerun resumes from the remote manifests
    second = _run(cfg, url, f"staging_dir={staging_a}")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "eval: complete with matching config hash, skipping" in second.stdout
    assert "report: complete with matching config hash, skipping" in second.stdout
    assert json.loads((remote / "report" / "manifest.json").read_text())["finished"] == raw["report"]["finished"]
    assert not (local_a / "eval").exists()  # nothing ran, so nothing was pulled

    # Another node runs the report stage: it pulls eval into its own staging folder, with its own paths.
    config = load_config(cfg, [f"output_dir={url}", f"staging_dir={staging_b}"])
    assert run_single_stage(config, "report") == 0
    local_b = staging_path(url, str(staging_b))
    assert (local_b / "eval" / "metrics.json").is_file() and (local_b / "report" / "index.html").is_file()
    eval_b = json.loads((local_b / "eval" / "manifest.json").read_text())
    assert eval_b["outputs"]["metrics"] == str(local_b / "eval" / "metrics.json")
    report = json.loads((remote / "report" / "manifest.json").read_text())
    assert report["finished"] > raw["report"]["finished"] and report["outputs"]["html"].startswith(RUN_DIR_TOKEN)
