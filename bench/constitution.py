"""Constitution everywhere on the demo: the effect of the constitutional penalty and of self-critique revision.

    python -m bench.constitution                               # into runs/demo_constitution
    python -m bench.constitution --lam 0.2 --max-violation 0.5 --baseline runs/demo
    python -m bench.constitution --collect-only --baseline runs/demo   # recount an existing run

Runs ``posttrain run`` on configs/demo.yaml with three changes, and nothing else: every domain's
reward list gets ``{name: constitution_penalty, penalty: λ}`` (reward = task − λ·violation, the
judge scoring the constitution's principles), ``distill.max_violation`` rejects distillation
samples that violate a principle more than that, and ``distill.revision`` sends rejected samples
back to their generator to critique and revise (pipeline/distill/revise.py). It then counts, from
the run's own files: rows penalised per stage and domain (expert and mixed training logs,
distillation rows, eval samples), distillation samples rejected for a violation, revisions
attempted / written / kept, and the per-principle violation means. With ``--baseline`` (a demo run
with the same seed, e.g. from ``python -m bench.demo --output runs/demo``) the eval headline of
each model and domain is listed next to the baseline's. Writes bench/results/constitution.json.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from statistics import mean
from typing import Any

import yaml

from . import demo
from .common import write_result

ROOT = Path(__file__).resolve().parents[1]
PENALTY = "constitution_penalty"


def derived_config(lam: float, max_violation: float, revisions: int) -> dict[str, Any]:
    """configs/demo.yaml with the penalty on every domain, the violation filter and revision on."""
    cfg = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text())
    for domain in cfg["domains"]:
        cfg["rewards"][domain] = [*cfg["rewards"][domain], {"name": PENALTY, "penalty": lam}]
    cfg["distill"].update(max_violation=max_violation, revision={"enabled": True, "max_per_prompt": revisions})
    return cfg


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def training_effect(run: Path) -> dict[str, Any]:
    """Per RL stage: mean violation and penalty per domain over the logged steps, first and last step."""
    out = {}
    for log in sorted(run.glob("*/train_log.jsonl")):
        steps = [s for s in _jsonl(log) if "step" in s]
        keys = sorted({k for s in steps for k in s if k.startswith("domain/") and k.endswith(("/" + PENALTY, "/reward"))})
        series = {k: [s[k] for s in steps if isinstance(s.get(k), (int, float))] for k in keys}
        out[log.parent.name] = {k.removeprefix("domain/"): {"steps": len(v), "mean": round(mean(v), 4),
                                                              "first": round(v[0], 4), "last": round(v[-1], 4)}
                                for k, v in series.items() if v}
    return out


def distill_effect(run: Path) -> dict[str, Any]:
    """Per domain/mode: generated, rejected for a violation, originals kept, revisions attempted/written/kept,
    and the kept rows' violation."""
    import pyarrow.parquet as pq

    groups: dict[str, dict[str, Any]] = {}
    for rec in json.loads((run / "distill" / "shards.json").read_text()).values():
        g = groups.setdefault(f"{rec['domain']}/{rec['mode']}", {"generated": 0, "rejected_violation": 0, "rejected": {},
                                                                  "originals": 0, "revisions_attempted": 0,
                                                                  "revisions_without_text": 0, "revisions_kept": 0,
                                                                  "revision_principles": {}, "revisions_rejected": {}})
        g["generated"] += rec["generated"]
        for why, n in rec.get("rejected", {}).items():
            g["rejected"][why] = g["rejected"].get(why, 0) + n
            g["rejected_violation"] += n if why.startswith("violation") else 0
        g["originals"] += rec.get("originals", rec["rows"])
        revs = rec.get("revisions") or {}
        g["revisions_attempted"] += revs.get("attempted", 0)
        g["revisions_without_text"] += revs.get("no_revision", 0)
        g["revisions_kept"] += revs.get("kept", 0)
        for key, field in (("revision_principles", "principles"), ("revisions_rejected", "rejected")):
            for k, n in (revs.get(field) or {}).items():
                g[key][k] = g[key].get(k, 0) + n
    for f in sorted((run / "distill" / "data").glob("*.parquet")):
        for row in pq.read_table(f).to_pylist():
            comps = json.loads(row["components"])
            if isinstance(comps.get(PENALTY), (int, float)):
                g = groups[f"{row['domain']}/{row['mode']}"]
                g.setdefault("_kept_violation", []).append(comps[PENALTY])
    for g in groups.values():
        v = g.pop("_kept_violation", [])
        g["kept_rows_penalised"] = sum(x > 0 for x in v)
        g["kept_rows_violation_mean"] = round(mean(v), 4) if v else None
    return groups


def eval_effect(run: Path, baseline: Path | None) -> dict[str, Any]:
    """The report's penalty table (per model and domain) and, with a baseline, headline vs the baseline's."""
    from pipeline.report.constitution import penalty_rows

    out: dict[str, Any] = {"penalty": penalty_rows(_jsonl(run / "eval" / "samples.jsonl"))}
    base = baseline / "eval" / "metrics.json" if baseline else None
    if base and base.exists():
        ours, theirs = (json.loads(p.read_text())["models"] for p in (run / "eval" / "metrics.json", base))
        out["vs_baseline"] = {f"{m}/{d}": {k: (theirs.get(m, {}).get(d, {}).get(k), v.get(k))
                                           for k in ("accuracy", "reward_mean", "judge_score") if k in v}
                              for m, per in ours.items() for d, v in per.items()}
        out["vs_baseline_note"] = "(baseline, constitution run) per metric; reward_mean includes -λ·violation here"
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output", default=str(ROOT / "runs" / "demo_constitution"))
    p.add_argument("--lam", type=float, default=0.2, help="penalty weight λ (reward = task − λ·violation)")
    p.add_argument("--max-violation", type=float, default=0.5, help="distill.max_violation")
    p.add_argument("--revisions", type=int, default=1, help="distill.revision.max_per_prompt")
    p.add_argument("--baseline", default=None, help="a demo run dir with the same seed to compare eval with")
    p.add_argument("--collect-only", action="store_true", help="count from an existing --output run, run nothing")
    args = p.parse_args(argv)
    run = Path(args.output)
    run.mkdir(parents=True, exist_ok=True)
    config = run / "constitution_config.yaml"
    if args.collect_only:
        timing = json.loads((ROOT / "bench" / "results" / "constitution_demo.json").read_text())["results"]
    else:
        config.write_text(yaml.safe_dump(derived_config(args.lam, args.max_violation, args.revisions), sort_keys=False))
        timing = demo.main(["--config", str(config), "--output", str(run), "--result-name", "constitution_demo"])
    results = {"returncode": timing["returncode"], "wall_s": timing["wall_s"], "stages": timing["stages"],
               "config": str(config), "run_dir": str(run)}
    if timing["returncode"] == 0:
        results.update(training=training_effect(run), distill=distill_effect(run),
                       eval=eval_effect(run, Path(args.baseline) if args.baseline else None))
    notes = ["the judge is the embedded SmolLM2-135M: its violation verdicts are weak (it flags harmless answers), "
             "so these counts measure the machinery on the demo, not the quality of a 135M critic"]
    path = write_result("constitution", vars(args), results, notes)
    print(json.dumps({k: results.get(k) for k in ("returncode", "wall_s", "distill")}, indent=1)[:4000])
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
