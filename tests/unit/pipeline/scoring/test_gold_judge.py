"""Gold judge at eval (pipeline/scoring/gold_judge.py) and the report's divergence and penalty tables.

The gold judge is the real RubricJudge over a deterministic backend (a stand-in for the external
judge model) that scores from the response text, so agreement with the training judge is known."""
from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.report import render_report
from pipeline.scoring.gold_judge import divergence, pearson, score_gold
from rewards.constitution import load_constitution
from rewards.judge import RubricJudge
from rewards.judge_backends import build_backend
from tests.unit.pipeline.report.test_report import make_run

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
CONST = load_constitution(ROOT / "configs" / "constitutions" / "default.yaml")


class LengthJudge:
    """Scores every criterion 10 when the response is long, 2 otherwise (deterministic)."""

    model = "length-judge"

    def generate(self, batch):
        out = []
        for conv in batch:
            user = conv[-1]["content"]
            response = user.split("CANDIDATE RESPONSE", 1)[1].split("CRITERIA", 1)[0]
            n = len(re.findall(r"^C\d+ \(weight", user, re.M))
            v = 10 if len(response) > 140 else 2
            out.append("Checked.  The reasoning is short.\nSCORES: " + ", ".join(f"C{k}={v}" for k in range(1, n + 1)))
        return out


def test_pearson_and_undefined_cases():
    assert pearson([0.0, 0.5, 1.0], [0.1, 0.6, 1.1]) == pytest.approx(1.0)
    assert pearson([0.0, 1.0], [1.0, 0.0]) == pytest.approx(-1.0)
    assert pearson([0.5, 0.5], [0.1, 0.9]) is None and pearson([1.0], [1.0]) is None


def test_divergence_pairs_only_rows_both_judges_scored():
    rows = [{"domain": "writing", "components": {"rubric_judge": a}, "gold_judge": b, "gold_status": s}
            for a, b, s in [(0.2, 0.1, "ok"), (0.8, 0.5, "ok"), (0.6, None, "error"), (None, 0.4, "ok")]]
    d = divergence({"m": rows})["m"]["writing"]
    assert d["n"] == 2 and d["pearson"] == pytest.approx(1.0) and d["mean_diff"] == pytest.approx(0.2)
    assert d["train_mean"] == pytest.approx(0.5) and d["gold_mean"] == pytest.approx(0.3) and d["errors"] == 1


def _samples(run):
    rows = [json.loads(line) for line in (run / "eval" / "samples.jsonl").read_text().splitlines()]
    by: dict = {}
    for r in rows:
        by.setdefault(r["model"], []).append(r)
    return by


def test_score_gold_then_report_renders_the_divergence_and_penalty_tables(tmp_path):
    run, _ = make_run(tmp_path)
    samples = _samples(run)
    for r in samples["mixed"]:  # the mixed model's math rows also carry a constitutional penalty
        if r["domain"] == "math":
            r["components"].update({"constitution_penalty": 0.25, "constitution_penalty/harmless": 1.0,
                                    "constitution_penalty/helpful": 0.0})
    cfg = parse_config({"domains": ["math", "writing"], "logging": {"report_to": []}})
    div = score_gold(cfg, samples, judge=RubricJudge(backend=LengthJudge(), constitution=CONST, guard="off"))
    assert set(div) == {"base", "expert:math", "sft", "mixed"} and set(div["base"]) == {"writing"}
    assert all(r["gold_status"] == "ok" for rows in samples.values() for r in rows if r["domain"] == "writing")
    assert "gold_judge" not in samples["base"][0]  # math rows: no training judge score, no gold score
    doc = json.loads((run / "eval" / "metrics.json").read_text())
    (run / "eval" / "metrics.json").write_text(json.dumps({**doc, "judge_divergence": div}))
    (run / "eval" / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for rows in samples.values() for r in rows))
    paths = render_report([run])
    md, html = paths["markdown"].read_text(), paths["html"].read_text()
    d = div["mixed"]["writing"]
    assert "### Training judge vs gold judge" in md and 'id="judge-divergence-table"' in html
    assert f"| mixed | writing | {d['n']} |" in md
    assert "### Constitutional penalty" in md and "harmless=1.000, helpful=0.000" in md and 'id="penalty-table"' in html
    assert json.loads(paths["metrics"].read_text())["judge_divergence"] == div


def test_unreachable_gold_judge_gives_error_rows_not_a_stall(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    backend = build_backend("openai", base_url=f"http://127.0.0.1:{port}/v1", model="gold", timeout_s=1.0, retries=1,
                            backoff_s=0.01)
    rows = {"m": [{"domain": "writing", "prompt": "p", "completion": "c", "components": {"rubric_judge": 0.5}}]}
    cfg = parse_config({"domains": ["writing"], "logging": {"report_to": []}})
    d = score_gold(cfg, rows, judge=RubricJudge(backend=backend, constitution=CONST))["m"]["writing"]
    assert d["n"] == 0 and d["errors"] == 1 and d["pearson"] is None and rows["m"][0]["gold_status"] == "error"


def test_no_gold_judge_configured_is_none():
    assert score_gold(parse_config({"logging": {"report_to": []}}), {"m": []}) is None
    cfg = parse_config({"gold_judge": {"backend": "openai", "base_url": "http://gold:8000/v1", "model": "big"},
                        "logging": {"report_to": []}})
    assert cfg.gold_judge.model == "big" and cfg.judge.model == "smollm2-135m-instruct"
