"""Two-run comparison (``posttrain report RUN_A RUN_B``): B - A per model and domain, paired over the
prompts both runs share (pipeline/scoring/compare.py ``compare_runs``), on synthetic samples files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.io import write_jsonl_atomic
from pipeline.report import render_report
from pipeline.report.collect import collect_run
from pipeline.scoring.compare import compare_runs
from pipeline.scoring.stats import bootstrap_ci, estimate
from pipeline.stages.evaluate import metrics_from_samples


def _row(model: str, domain: str, pid: str, k: int, score: float, prompt: str | None = None) -> dict:
    comps = {"math_correctness": score} if domain == "math" else {"rubric_judge": score}
    return {"id": pid, "domain": domain, "mode": "non_thinking", "model": model, "sample_idx": k,
            "prompt": prompt or f"question {pid}", "completion": "x", "reward": score, "components": comps,
            "status": "ok", "finish_reason": "stop", "completion_tokens": 4}


def _math(model: str, correct: list[list[bool]], prefix: str = "m") -> list[dict]:
    """One prompt per inner list, one sample per bool."""
    return [_row(model, "math", f"{prefix}{i}", k, float(c)) for i, per in enumerate(correct) for k, c in enumerate(per)]


def _writing(model: str, scores: list[float]) -> list[dict]:
    return [_row(model, "writing", f"w{i}", 0, s) for i, s in enumerate(scores)]


def _run_dir(root: Path, name: str, samples: list[dict], seed: int = 0) -> Path:
    run = root / name
    (run / "eval").mkdir(parents=True)
    models = sorted({r["model"] for r in samples})
    metrics = {m: metrics_from_samples([r for r in samples if r["model"] == m], [1, 2]) for m in models}
    (run / "eval" / "metrics.json").write_text(json.dumps({"models": metrics, "comparisons": []}))
    write_jsonl_atomic(run / "eval" / "samples.jsonl", samples)
    (run / "config.json").write_text(json.dumps({"seed": seed, "eval": {"samples": 2, "pass_k": [1, 2]}}))
    return run


def _one(rows: list[dict], model: str, domain: str, metric: str) -> dict:
    [row] = [r for r in rows if (r["model"], r["domain"], r["metric"]) == (model, domain, metric)]
    return row


def test_clear_gain_is_significant_and_a_small_one_is_not(tmp_path):
    a = _math("sft", [[False, False]] * 10 + [[True, True]] * 2)            # 2 of 12 prompts right
    b = _math("sft", [[True, True]] * 11 + [[False, False]])                 # 11 of 12
    rows = compare_runs(collect_run(_run_dir(tmp_path, "a", a)).samples, collect_run(_run_dir(tmp_path, "b", b)).samples)
    gain = _one(rows, "sft", "math", "pass@1")
    assert gain["diff"] == pytest.approx(9 / 12) and gain["n_prompts"] == 12 and gain["n_mismatched"] == 0
    assert gain["ci"][0] > 0 and gain["significant"] is True
    assert _one(rows, "sft", "math", "reward_mean")["significant"] is True  # the training reward is compared too

    c = _math("sft", [[False, False]] * 9 + [[True, True]] * 3)              # one more prompt right than A
    small = _one(compare_runs(a, c), "sft", "math", "pass@1")
    assert small["diff"] == pytest.approx(1 / 12) and small["ci"][0] <= 0 < small["ci"][1]
    assert small["significant"] is False
    drop = _one(compare_runs(b, a), "sft", "math", "pass@1")                 # B - A, so the reverse is a drop
    assert drop["diff"] == pytest.approx(-9 / 12) and drop["ci"][1] < 0 and drop["significant"] is True


def test_pairing_removes_prompt_difficulty():
    """B is 0.05 better on every prompt of very different difficulty: the runs' own CIs overlap, the
    paired difference is +0.05 with a CI that excludes 0."""
    base = [i / 12 for i in range(12)]
    a, b = _writing("mixed", base), _writing("mixed", [s + 0.05 for s in base])
    row = _one(compare_runs(a, b), "mixed", "writing", "rubric_judge")
    assert row["diff"] == pytest.approx(0.05) and row["ci"] == pytest.approx([0.05, 0.05]) and row["significant"]
    per = lambda rows: {r["id"]: (r["components"]["rubric_judge"], 1.0) for r in rows}  # noqa: E731
    ci_a, ci_b = bootstrap_ci(per(a), seed=0), bootstrap_ci(per(b), seed=0)
    assert ci_b[0] < ci_a[1]  # unpaired, the two runs' intervals overlap
    assert estimate(per(b)) - estimate(per(a)) == pytest.approx(row["diff"])


def test_only_prompts_with_the_same_id_and_text_are_paired():
    a = _math("base", [[True]] * 6)
    b = _math("base", [[False]] * 4)                                         # 4 shared ids
    b += [_row("base", "math", "m4", 0, 0.0, prompt="another question")]     # m4: same id, other prompt
    b += _math("base", [[True]] * 3, prefix="extra")                         # ids A does not have
    row = _one(compare_runs(a, b), "base", "math", "pass@1")
    assert (row["n_prompts"], row["n_mismatched"]) == (4, 1) and row["diff"] == -1.0 and row["significant"]


def test_models_and_domains_of_one_run_only_are_left_out_and_seeded():
    a = _math("base", [[True, False]] * 6) + _writing("base", [0.5] * 6) + _math("expert:math", [[True, True]] * 6)
    b = _math("base", [[True, True]] * 6) + _math("sft", [[True, True]] * 6)
    rows = compare_runs(a, b, seed=3)
    assert {(r["model"], r["domain"]) for r in rows} == {("base", "math")}
    assert rows == compare_runs(a, b, seed=3)
    assert compare_runs(a, [], seed=3) == [] and compare_runs([], [], seed=3) == []


def test_report_of_two_runs_shows_paired_ci_and_significance(tmp_path):
    a = _math("sft", [[False, False]] * 10 + [[True, True]] * 2) + _writing("sft", [0.5] * 12)
    b = _math("sft", [[True, True]] * 11 + [[False, False]]) + _writing("sft", [0.5] * 11 + [0.75])
    paths = render_report([_run_dir(tmp_path, "run_a", a, seed=7), _run_dir(tmp_path, "run_b", b)])
    doc = json.loads(paths["metrics"].read_text())["run_comparison"]
    assert (doc["a"], doc["b"], doc["seed"]) == ("run_a", "run_b", 7)
    math, writing = _one(doc["rows"], "sft", "math", "pass@1"), _one(doc["rows"], "sft", "writing", "rubric_judge")
    assert math["significant"] and not writing["significant"] and writing["diff"] == pytest.approx(0.25 / 12)
    md = paths["markdown"].read_text()
    lo, hi = math["ci"]
    assert f"| sft | 0.167 / 0.917 / **+0.750** [{lo:+.3f}, {hi:+.3f}] |" in md
    assert f"| sft | math | pass@1 | **+0.750** [{lo:+.3f}, {hi:+.3f}] | yes | 12 | 0 |" in md
    wl, wh = writing["ci"]
    assert f"| sft | writing | rubric_judge | +0.021 [{wl:+.3f}, {wh:+.3f}] | no | 12 | 0 |" in md
    html = paths["html"].read_text()
    assert 'id="run-paired-table"' in html and '<span class="pos">+0.750</span>' in html


def test_runs_without_samples_fall_back_to_the_plain_delta(tmp_path):
    a = _run_dir(tmp_path, "run_a", _math("sft", [[False]] * 4))
    b = _run_dir(tmp_path, "run_b", _math("sft", [[True]] * 4))
    (b / "eval" / "samples.jsonl").unlink()  # an eval stage that kept only metrics.json
    paths = render_report([a, b])
    assert json.loads(paths["metrics"].read_text())["run_comparison"]["rows"] == []
    assert "| sft | 0.000 / 1.000 / +1.000 |" in paths["markdown"].read_text()
