"""Eval report on a synthetic run directory laid out as the stages write it (no model, no GPU)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.run.manifest import write_manifest
from pipeline.report import render_report
from pipeline.report.tables import forgetting, summary
from pipeline.scoring.compare import compare_models
from pipeline.stages.evaluate import metrics_from_samples, stats_from_samples, write_jsonl_atomic

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # repo root at any depth
EVIL = "<script>alert(1)</script> ``` | pipe"
JUDGE = {"backend": "vllm", "model": "tiny-judge", "path": "/models/judge", "checkpoint_hash": "abc123def456",
         "guard": "penalize", "constitution": "configs/constitutions/default.yaml"}


def _sample(model: str, domain: str, rid: str, k: int, **extra) -> dict:
    row = {"id": rid, "domain": domain, "prompt": f"prompt {rid}", "completion": f"answer {rid}/{k} by {model}",
           "mode": "non_thinking", "sample_idx": k, "finish_reason": "stop", "completion_tokens": 10 + k,
           "status": "ok", "info": {}, "model": model}
    row.update(extra)
    return row


def _math(model: str, correct: list[bool], mode: str = "non_thinking") -> list[dict]:
    """Two prompts x two samples; ``correct`` gives the 4 outcomes."""
    return [_sample(model, "math", f"m{i // 2}", i % 2, mode=mode, reward=float(c),
                    components={"math_correctness": float(c), "language_consistency": 1.0 if c else 0.5})
            for i, c in enumerate(correct)]


def _writing(model: str, score: float, flagged: bool = False) -> list[dict]:
    comps = {"rubric_judge": score, "rubric_judge/clarity": score, "rubric_judge/accuracy": 1.0}
    info = {"rubric_judge": {"guard": {"fired": ["ignore previous"]}, "status": "flagged"}} if flagged else {}
    return [_sample(model, "writing", "w0", 0, reward=score, components=comps, info={}),
            _sample(model, "writing", "w1", 0, reward=score, components=comps, info=info,
                    status="flagged" if flagged else "ok", completion=EVIL)]


def make_run(root: Path, name: str = "run", mixed_math: list[bool] | None = None) -> tuple[Path, dict]:
    """A finished run: expert:math, sft and mixed manifests with checkpoints, a train log, eval results."""
    run = root / name
    samples = (_math("base", [False] * 4) + _writing("base", 0.25)
               + _math("expert:math", [True] * 4) + _writing("expert:math", 0.5)
               + _math("sft", [True, False, False, False]) + _writing("sft", 0.5)
               + _math("mixed", mixed_math or [True, True, False, False]) + _writing("mixed", 0.75, flagged=True)
               + _math("mixed", [True, True, True, False], mode="thinking"))
    per_model = {model: [s for s in samples if s["model"] == model] for model in ("base", "expert:math", "sft", "mixed")}
    by_model = {model: metrics_from_samples(rows, [1, 2]) for model, rows in per_model.items()}  # as the eval stage
    comparisons = compare_models({model: stats_from_samples(rows, [1, 2]) for model, rows in per_model.items()})
    for i, stage in enumerate(("expert:math", "sft", "mixed")):
        write_manifest(run, stage, status="complete", config_hash=f"h{i}", started=1000.0 + 100 * i,
                       finished=1050.0 + 100 * i, duration_s=50.0 + i, outputs={"checkpoint": f"/ckpt/{stage}"},
                       metrics={})
    write_manifest(run, "eval", status="complete", config_hash="he", started=2000.0, duration_s=12.5,
                   outputs={"metrics": str(run / "eval" / "metrics.json")}, metrics=by_model)
    log = [{"step": s, "reward": 0.1 * s, "kl": 0.01 * s, "domain/math/reward": 0.1 * s,
            "rewards/math_correctness/mean": 0.1 * s, "completions/mean_length": 12.0 + s, "loss": 0.5} for s in (1, 2, 3)]
    (run / "expert_math" / "train_log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in log))
    (run / "eval" / "metrics.json").write_text(json.dumps({"models": by_model, "comparisons": comparisons,
                                                           "judge": JUDGE, "statistics": {"ci": "bootstrap"}}))
    write_jsonl_atomic(run / "eval" / "samples.jsonl", samples)
    (run / "config.json").write_text(json.dumps({"model": "tiny", "eval": {"samples": 2, "pass_k": [1, 2]}}))
    return run, by_model


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "action", "data") and v is not None:
                self.refs.append(v)
            if k == "id":
                self.ids.add(v)


def test_metrics_per_model(tmp_path):
    _, m = make_run(tmp_path)
    assert m["expert:math"]["math"]["pass@1"] == 1.0 and m["base"]["math"]["pass@1"] == 0.0
    assert m["mixed"]["math"]["pass@2"] == pytest.approx(0.5)  # m0 both right, m1 both wrong
    assert m["mixed"]["math@thinking"]["pass@1"] == 0.75
    assert m["mixed"]["writing"]["judge_flagged_rate"] == 0.5
    assert m["mixed"]["writing"]["rubric_judge/clarity"] == 0.75


def test_render_single_run(tmp_path):
    run, metrics = make_run(tmp_path)
    paths = render_report([run])
    assert paths == {"html": run / "report" / "index.html", "markdown": run / "report" / "report.md",
                     "metrics": run / "report" / "metrics.json"}
    data = json.loads(paths["metrics"].read_text())
    assert data["models"] == metrics and data["judge"] == JUDGE and data["comparisons"]

    md = paths["markdown"].read_text()
    # summary: pass@1 per model on math (best in bold), judge score on writing, each with CI and prompts/samples
    assert "| math (pass@1) | writing (rubric_judge) | math@thinking (pass@1) |" in md
    assert "| base | 0.000 [0.000, 0.000] (2/4) | 0.250 [0.250, 0.250] (2/2) | – |" in md
    assert "| expert:math | **1.000** [1.000, 1.000] (2/4) | 0.500 [0.500, 0.500] (2/2) | – |" in md
    assert "| mixed | 0.500 [0.000, 1.000] (2/4) | **0.750** [0.750, 0.750] (2/2) | **0.750** [0.500, 1.000] (2/4) |" in md
    # paired: the expert beats base on both prompts (significant); mixed vs sft on math is within noise
    assert ("| expert:math vs base | math | pass@1 | **+1.000** [+1.000, +1.000] | yes | **+1.000** [+1.000, +1.000] "
            "| yes | 2 |") in md
    assert re.search(r"\| mixed vs sft \| math \| pass@1 \| \+0\.250 \[[^]]+\] \| no \|", md)
    # forgetting: mixed vs best expert (1.0) and vs sft (0.25) on math, neither drop significant with 2 prompts
    assert re.search(r"\| math \| pass@1 \| 0\.500 \| 1\.000 \| -0\.500 \[-1\.000, [+-]0\.000\] \| no \| 0\.250 "
                     r"\| \+0\.250 \[[+-]0\.000, \+0\.500\] \| no \|", md)
    # correctness alone next to the training reward; the fixed judge named
    assert "| mixed | math | pass@1 | 0.500 [0.000, 1.000] | 0.500 [0.000, 1.000] |" in md
    assert "Judge (one fixed judge scored every model of this run): **tiny-judge**" in md
    assert "checkpoint hash abc123def456" in md
    # judge per criterion and the guard's flag rate
    assert "| mixed | writing | 0.750 | accuracy=1.000, clarity=0.750 | 0.500 |" in md
    # stage durations and the config as it ran
    assert "| expert:math | complete | 50.000 |" in md and '"pass_k"' in md
    # untrusted completion: fenced with a longer fence, HTML-escaped in tables
    assert "````text\n" + EVIL + "\n````" in md

    html = paths["html"].read_text()
    parser = _Refs()
    parser.feed(html)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert all(r.startswith(("data:image/png;base64,", "#")) for r in parser.refs), parser.refs
    assert sum(r.startswith("data:image/png") for r in parser.refs) >= 3  # curves + length histograms (2 modes)
    assert {"summary-table", "paired-table", "forgetting-table", "reward-gap-table", "judge-table", "judge-identity",
            "stages-table"} <= parser.ids
    assert '<b class="sig">yes</b>' in html and '<small class="ci">[0.000, 1.000]</small>' in html
    assert "<b>tiny-judge</b>" in html and "abc123def456" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and EVIL not in html
    assert re.search(r'<td class="best">1\.000 <small class="ci">\[1\.000, 1\.000\]</small> <small class="n"[^>]*>2/4</small></td>', html)
    assert "expert:math: training curves" in html


def test_significant_forgetting_is_marked(tmp_path):
    run, _ = make_run(tmp_path, mixed_math=[False] * 4)  # mixed loses both prompts the expert solves
    md = render_report([run])["markdown"].read_text()
    assert re.search(r"\| math \| pass@1 \| 0\.000 \| 1\.000 \| \*\*-1\.000\*\* \[-1\.000, -1\.000\] \| yes \|", md)
    assert "| mixed vs expert:math | math | pass@1 | **-1.000** [-1.000, -1.000] | yes |" in md


def test_old_metrics_json_still_renders(tmp_path):
    """A run evaluated before comparisons and CIs existed: plain values, no paired table, no judge line."""
    run, metrics = make_run(tmp_path)
    plain = {m: {d: {k: v for k, v in per.items() if isinstance(v, float)} for d, per in doms.items()}
             for m, doms in metrics.items()}
    (run / "eval" / "metrics.json").write_text(json.dumps({"models": plain}))
    paths = render_report([run])
    md = paths["markdown"].read_text()
    assert "| base | 0.000 | 0.250 | – |" in md and "_Not available: needs two models" in md
    assert json.loads(paths["metrics"].read_text())["models"] == plain


def test_tables_without_final_model(tmp_path):
    metrics = {"base": {"math": {"pass@1": 0.1, "reward_mean": 0.2}}, "expert:math": {"math": {"pass@1": 0.3}}}
    assert forgetting(metrics) == []
    s = summary(metrics)
    assert s.columns == ["math"] and s.metric == {"math": "pass@1"} and s.best == {"math": 0.3}


def test_compare_two_runs(tmp_path):
    run_a, metrics_a = make_run(tmp_path / "a", "run_a")
    run_b, metrics_b = make_run(tmp_path / "b", "run_b", mixed_math=[True, True, True, True])
    paths = render_report([run_a, run_b])
    assert paths["html"] == run_a / "report_compare" / "index.html"
    data = json.loads(paths["metrics"].read_text())
    assert data["runs"]["run_a"]["models"] == metrics_a and data["runs"]["run_b"]["models"] == metrics_b
    assert data["runs"]["run_b"]["judge"] == JUDGE
    assert data["models"]["run_b/mixed"] == metrics_b["mixed"]
    md = paths["markdown"].read_text()
    assert "## Comparison: run_a (A) → run_b (B)" in md
    # B - A is paired over the 2 shared prompts: +0.500 with a CI that reaches 0, so not significant (not bold)
    [mixed] = [c for c in data["run_comparison"]["rows"] if (c["model"], c["domain"], c["metric"]) == ("mixed", "math", "pass@1")]
    assert mixed["diff"] == 0.5 and mixed["n_prompts"] == 2 and mixed["ci"][0] <= 0 and not mixed["significant"]
    assert f"| mixed | 0.500 / 1.000 / +0.500 [{mixed['ci'][0]:+.3f}, {mixed['ci'][1]:+.3f}] |" in md
    assert "| base | 0.000 / 0.000 / +0.000 [+0.000, +0.000] |" in md
    html = paths["html"].read_text()
    assert 'id="comparison-table"' in html and '<span class="ns">+0.500</span>' in html

    same = render_report([run_a, run_a], tmp_path / "out")  # same folder twice: labelled A:/B:
    assert set(json.loads(same["metrics"].read_text())["runs"]) == {"A:run_a", "B:run_a"}


def test_missing_eval_results_is_input_error(tmp_path):
    run = tmp_path / "run"
    write_manifest(run, "sft", status="complete", config_hash="x", outputs={})
    with pytest.raises(InputError, match="no eval results"):
        render_report([run])
    with pytest.raises(InputError, match="does not exist"):
        render_report([tmp_path / "nope"])
    assert not (run / "report").exists()


def test_cli_report_exit_2_one_line_writes_nothing(tmp_path):
    run = tmp_path / "run"
    write_manifest(run, "sft", status="complete", config_hash="x", outputs={})
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", "report", str(run)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "eval" in lines[0], res.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_cli_report_renders(tmp_path):
    run, _ = make_run(tmp_path)
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", "report", str(run), "--output", str(tmp_path / "o")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "o" / "index.html").is_file() and str(tmp_path / "o" / "index.html") in res.stdout
