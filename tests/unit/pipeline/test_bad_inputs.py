"""Bad configs and bad JSONL rows, end to end through the real CLI (`python -m pipeline.cli ...`).

Every case must exit with status 2, print exactly one stderr line that names the dotted field
path (configs) or the input line number (JSONL rows), and write nothing: neither the --output
path nor anything in the working directory. tests/unit/pipeline/config/test_config.py covers the same parse
errors at the function level; this table covers the commands users run (validate, run, stage,
eval, rewards score, report). Each case is one CLI process without a model (about a second).
"""
from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

# A small valid config; each case breaks one thing (`cfg` replaces it, `args` overrides it).
BASE = {
    "model": "smollm2-135m-instruct",
    "output_dir": "runs/bad_inputs",
    "domains": ["math", "logic", "writing"],
    "stages": ["expert", "distill", "sft", "mixed", "eval", "report"],
    "experts": {"math": {"steps": 1, "group_size": 2}},
    "rewards": {"math": [{"name": "math_correctness", "weight": 1.0}, {"name": "length_penalty", "weight": 0.1}],
                "logic": [{"name": "exact_match", "weight": 1.0}]},
    "judge": {"constitution": "configs/constitutions/default.yaml"},
    "distill": {"samples_per_prompt": 2, "keep_per_prompt": 1},
    "eval": {"samples": 2, "pass_k": [1, 2]},
}
BASE_YAML = yaml.safe_dump(BASE, sort_keys=False)
ROW = '{"id": "r%d", "domain": "logic", "prompt": "2+2?", "completion": "4", "answer": "4"}'


@dataclass
class Case:
    id: str
    argv: str
    """Command line; {cfg} {in} {out} {run} {tmp} are filled in, then it is split like a shell would."""
    expect: list[str]
    """Substrings of the single error line: the field path or line number, and the problem."""
    cfg: str | None = None
    """Config file text (default: BASE)."""
    rows: str | bytes | None = None
    """Content of {in} (JSONL), when the case reads rows."""
    files: dict[str, str] = field(default_factory=dict)
    """Extra files under {tmp}."""


SCORE = "rewards score --config {cfg} --input {in} --output {out}"

CASES = [
    # ---- config file problems -------------------------------------------------------------
    Case("yaml-unclosed-flow", "validate {cfg}", ["invalid YAML", "line 2"], cfg="model: [x\nseed: 1\n"),
    Case("yaml-tab-indent", "run {cfg} --output {out}", ["invalid YAML", "line 2"], cfg="domains:\n\t- math\n"),
    Case("yaml-top-level-list", "validate {cfg}", ["top level must be a mapping"], cfg="- model: x\n"),
    Case("yaml-unknown-top-key", "stage eval {cfg} --output {out}", ["modle: unknown key"],
         cfg=BASE_YAML + "modle: tiny\n"),
    Case("config-file-missing", "run {tmp}/nope.yaml --output {out}", ["nope.yaml", "not found"]),
    # ---- unknown keys and wrong types ------------------------------------------------------
    Case("unknown-nested-key", "validate {cfg} experts.math.stpes=3", ["experts.math.stpes: unknown key"]),
    Case("unknown-key-score-config", SCORE, ["sandbox.wrokers: unknown key"],
         cfg=BASE_YAML + "sandbox: {wrokers: 2}\n", rows=ROW % 1),
    Case("wrong-type-epochs", "stage sft {cfg} sft.epochs=many --output {out}", ["sft.epochs:", "number"]),
    Case("wrong-type-stages-string", "validate {cfg} stages=eval", ["stages:", "valid list"]),
    Case("wrong-type-domain-weight", "validate {cfg} 'sft.domain_weights={math: heavy}'",
         ["sft.domain_weights.math:", "number"]),
    Case("literal-loss-type", "validate {cfg} grpo.loss_type=ppo", ["grpo.loss_type:", "dapo"]),
    Case("literal-eval-mode", "eval --model {tmp}/m --config {cfg} --output {out} eval.modes=[verbose]",
         ["eval.modes[0]:", "thinking"]),
    # ---- out-of-range values ---------------------------------------------------------------
    Case("negative-sft-lr", "run {cfg} sft.learning_rate=-1e-5 --output {out}", ["sft.learning_rate:", "greater than 0"]),
    Case("negative-expert-lr", "stage expert:math {cfg} experts.math.learning_rate=-0.1 --output {out}",
         ["experts.math.learning_rate:", "greater than 0"]),
    Case("group-size-one", "validate {cfg} experts.math.group_size=1", ["experts.math.group_size:", "greater than 1"]),
    Case("top-p-above-one", "validate {cfg} rollout.top_p=1.5", ["rollout.top_p:", "less than or equal to 1"]),
    Case("negative-gpus", "validate {cfg} resources.expert.num_gpus=-1", ["resources.expert.num_gpus:"]),
    Case("keep-gt-samples", "run {cfg} distill.keep_per_prompt=5 --output {out}",
         ["distill:", "keep_per_prompt=5", "samples_per_prompt=2"]),
    Case("pass-k-gt-samples", "eval --model {tmp}/m --config {cfg} --output {out} eval.pass_k=[1,4]",
         ["eval:", "pass_k", "samples=2"]),
    Case("eval-samples-zero", "eval --model {tmp}/m --config {cfg} --output {out} eval.samples=0",
         ["eval.samples:", "greater than 0"]),
    # ---- registries and files --------------------------------------------------------------
    Case("unknown-domain", "stage eval {cfg} domains=[math,poetry] --output {out}", ["domains[1]:", "unknown domain 'poetry'"]),
    Case("unknown-mixed-domain", "stage mixed {cfg} 'mixed.domains={chess: 1.0}' --output {out}",
         ["mixed.domains.chess:", "unknown domain"]),
    Case("unknown-reward-score", SCORE, ["rewards.math[1].name:", "unknown reward 'lenght_penalty'"],
         cfg=BASE_YAML.replace("length_penalty", "lenght_penalty"), rows=ROW % 1),
    Case("missing-constitution", "run {cfg} judge.constitution={tmp}/gone.yaml --output {out}",
         ["judge.constitution:", "not found"]),
    Case("invalid-constitution", "validate {cfg} judge.constitution={tmp}/const.yaml", ["judge.constitution:", "principles"],
         files={"const.yaml": "principles: 5\n"}),
    Case("mode-experts-unknown-expert", "run {cfg} 'distill.mode_experts={thinking: expert:chess}' --output {out}",
         ["distill.mode_experts.thinking:", "expert:chess"]),
    Case("mode-experts-unknown-mode", "validate {cfg} 'distill.mode_experts={sideways: base}'",
         ["distill.mode_experts.sideways:", "unknown mode"]),
    Case("bad-stages-entry", "run {cfg} stages=[expert,train] --output {out}", ["stages[1]:", "'expert'"]),
    # ---- override syntax (list index, YAML value, scalar parent) -------------------------
    Case("override-no-equals", "validate {cfg} novalue", ["novalue:", "dotted.key=value"]),
    Case("override-into-scalar", "validate {cfg} model.name=x", ["model:", "cannot set model.name"]),
    Case("override-index-out-of-range", "validate {cfg} rewards.math.9.weight=1", ["rewards.math:", "index 9 out of range"]),
    Case("override-index-not-int", "validate {cfg} domains.x=math", ["domains:", "is a list", "'x'"]),
    Case("override-bad-yaml-value", "run {cfg} seed=[1 --output {out}", ["seed:", "not valid YAML"]),
    # ---- stage names and run directories ---------------------------------------------------
    Case("stage-unknown-expert-domain", "stage expert:chess {cfg} --output {out}", ["stage:", "expert:chess"]),
    Case("stage-unknown-name", "stage train {cfg} --output {out}", ["stage:", "unknown stage 'train'"]),
    Case("run-from-unknown-stage", "run {cfg} --from polish --output {out}", ["--from:", "unknown stage 'polish'"]),
    Case("report-run-without-eval", "report {run} --output {out}", ["eval/metrics.json"]),
    # ---- JSONL rows for `rewards score` ----------------------------------------------------
    Case("row-invalid-json", SCORE, [":2:", "Expecting"], rows=ROW % 1 + "\n{not json}\n"),
    Case("row-not-object", SCORE, [":1:", "not a JSON object"], rows='["logic", "4"]\n'),
    Case("row-missing-completion", SCORE, [":2:", "missing required field 'completion'"],
         rows=ROW % 1 + '\n{"id": "x", "domain": "logic", "prompt": "2+2?"}\n'),
    Case("row-missing-domain", SCORE, [":1:", "missing required field 'domain'"], rows='{"completion": "4"}\n'),
    Case("row-unknown-domain", SCORE, [":3:", "unknown domain 'cooking'"],
         rows=ROW % 1 + "\n" + ROW % 2 + '\n{"domain": "cooking", "completion": "soup"}\n'),
    Case("row-completion-wrong-type", SCORE, [":1:", "'completion' must be a string"],
         rows='{"domain": "logic", "completion": 42, "answer": "42"}\n'),
    Case("row-domain-wrong-type", SCORE, [":1:", "'domain' must be a string"],
         rows='{"domain": ["logic"], "completion": "4"}\n'),
    Case("row-prompt-wrong-type", SCORE, [":1:", "'prompt' must be a string"],
         rows='{"domain": "logic", "prompt": {"q": 1}, "completion": "4"}\n'),
    Case("row-tests-wrong-type", SCORE, [":2:", "'tests' must be a string"],
         rows=ROW % 1 + '\n{"domain": "logic", "completion": "4", "tests": 5}\n'),
    Case("row-not-utf8", SCORE, [":2:", "not UTF-8"], rows=(ROW % 1).encode() + b"\n\xff\xfe{}\n"),
    Case("input-missing", "rewards score --config {cfg} --input {tmp}/none.jsonl --output {out}",
         ["--input:", "not found"]),
]


def test_table_is_big_enough():
    assert len(CASES) >= 25 and len({c.id for c in CASES}) == len(CASES)


def _setup(tmp_path: Path, case: Case) -> tuple[list[str], Path, Path]:
    (tmp_path / "cfg.yaml").write_text(BASE_YAML if case.cfg is None else case.cfg)
    if case.rows is not None:
        data = case.rows if isinstance(case.rows, bytes) else case.rows.encode()
        (tmp_path / "in.jsonl").write_bytes(data)
    for name, text in case.files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "run").mkdir()
    cwd = tmp_path / "cwd"  # the default output_dir (runs/...) is relative to it
    cwd.mkdir()
    out = tmp_path / "out"
    line = case.argv
    for key, value in {"cfg": tmp_path / "cfg.yaml", "in": tmp_path / "in.jsonl", "out": out, "run": tmp_path / "run",
                       "tmp": tmp_path}.items():
        line = line.replace("{%s}" % key, str(value))
    return shlex.split(line), out, cwd


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, case):
    argv, out, cwd = _setup(tmp_path, case)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", *argv], capture_output=True, text=True,
                         cwd=cwd, timeout=120)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    assert len(lines) == 1, res.stderr
    line = lines[0]
    assert line.startswith("error: ") and all(e in line for e in case.expect), (case.expect, line)
    assert not out.exists(), f"{out} was written"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing else either
