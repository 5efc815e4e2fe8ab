"""`posttrain run` on the tiny model prints a time estimate first, progress, one line per stage (SFT's
held-out loss before and after), the eval table whole (Markdown: stdout is not a terminal here) with
significant differences from base marked as the paired comparisons say, and the report path last; the
engines' own output (vLLM's config dump, its preload and kernel warnings) goes to the stage log."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
ENGINE_NOISE = ("Initializing a V1 LLM engine", "non-default args", "is not found in LD_PRELOAD",
                "CPU backend doesn't allow", "Loading weights", "Automatically detected platform")


def _run(cfg: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
           "COLUMNS": "60"}
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *extra, "run", str(cfg), "--output", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def _distill_shards(run: Path, n: int = 10) -> None:
    """Distill-stage shards for the sft stage: n one-line answers over math and logic."""
    from datasets import Dataset

    rows = [{"messages": [{"role": "user", "content": f"What is {i} + 3?"},
                          {"role": "assistant", "content": f"The answer is \\boxed{{{i + 3}}}."}],
             "domain": ("math", "logic")[i % 2], "mode": "non_thinking"} for i in range(n)]
    (run / "distill" / "data").mkdir(parents=True)
    Dataset.from_list(rows).to_parquet(str(run / "distill" / "data" / "shard-00000.parquet"))


def test_console_shows_estimate_progress_and_summaries_engine_logs_go_to_stage_log(tiny_model, tmp_path):
    from pipeline.run.summary_table import rows

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({
        "model": str(tiny_model), "domains": ["math", "logic"], "stages": ["sft", "eval", "report"],
        "rollout": {"backend": "vllm", "max_tokens": 8, "max_model_len": 512},
        "data": {"math": {"eval_size": 2}, "logic": {"eval_size": 2}},
        "sft": {"epochs": 1, "batch_size": 4, "heldout_rows": 2, "learning_rate": 1e-3},
        "distill": {"modes": ["non_thinking"], "prompts_per_domain": 5, "samples_per_prompt": 1},  # the estimate's SFT size
        "eval": {"samples": 1, "pass_k": [1]},
        "resources": {"eval": {"num_cpus": 1}, "sft": {"num_cpus": 1}}}))
    out = tmp_path / "run"
    _distill_shards(out)
    proc = _run(cfg, out)
    console = proc.stdout + proc.stderr
    (tmp_path / "console.txt").write_text(console)  # kept with pytest's tmp folders, to read it whole
    assert proc.returncode == 0, console[-3000:]
    for noise in ENGINE_NOISE:
        assert noise not in console, f"engine output {noise!r} reached the console:\n{console[-3000:]}"
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    # the estimate comes first, from a probe of this machine
    assert re.match(r"estimate: about [\d.]+ (s|min) on this machine \(fp32 matmul \d+ GFLOP/s", lines[0]), lines[:3]
    assert "the demo took" in lines[0]
    # SFT's line shows the held-out loss before and after, not single batch losses
    sft = next(ln for ln in lines if ln.startswith("sft: complete in"))
    assert re.search(r"heldout_loss_before=[\d.]+ heldout_loss_after=[\d.]+", sft), sft
    assert not re.search(r"\bloss_(first|last)=", console), sft
    assert "eval: complete in" in proc.stdout and "report: complete in" in proc.stdout
    assert lines[-1] == f"report: {out / 'report' / 'index.html'}"
    # the table: whole, as Markdown (stdout is a pipe), each cell marked exactly as the paired comparisons say
    assert "…" not in proc.stdout, "a column of the final table was truncated"  # COLUMNS=60 is narrower
    doc = json.loads((out / "report" / "metrics.json").read_text())
    header, body = rows(doc["models"], doc["comparisons"])
    assert "| " + " | ".join(header) + " |" in lines
    for row in body:
        assert "| " + " | ".join(row) + " |" in lines, (row, proc.stdout[-2000:])
    assert {r[0] for r in body} == {"base", "sft"} and any(c["a"] == "sft" and c["b"] == "base" for c in doc["comparisons"])
    assert any(ln.startswith("↑/↓: differs from base (paired bootstrap over 2 prompts") for ln in lines)
    assert "held-out loss" in (out / "report" / "report.md").read_text()
    log = (out / "eval" / "stage.log").read_text()
    assert "Initializing a V1 LLM engine" in log or "non-default args" in log, log[-2000:]
    assert (out / "eval" / "metrics.json").is_file() and (out / "report" / "index.html").is_file()
