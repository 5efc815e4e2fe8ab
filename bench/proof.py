"""The recipe proof: base vs expert vs distilled (SFT) vs mixed, on correctness, with 95% CIs.

    python -m bench.proof                       # configs/proof.yaml, seeds 0 1 2 (about 85 min on 2 free cores)
    python -m bench.proof --smoke               # 1 seed, small sizes (SMOKE): a check that it runs, not the proof
    python -m bench.proof --seeds 0 experts.math.steps=12   # any config override for every seed

Each seed is ``posttrain run configs/proof.yaml seed=S --output runs/proof/seed<S>`` (a stage
already complete for that config is reused, so an interrupted proof resumes). The eval stage's
``samples.jsonl`` gives, for every model (``base``, ``expert:<d>``, ``sft``, ``mixed``), every
held-out prompt, mode and sample, the **correctness** components (math_correctness,
exact_match, code_tests; not the shaped reward). A prompt's score is the share of its samples
that are correct; a model's score on a domain is the mean over prompts, pooled over seeds. Each
eval mode is its own domain key: ``math`` (non-thinking) and ``math@thinking``.

Statistics: the eval stage's own (pipeline/scoring/stats.py): a seeded percentile bootstrap over
(seed, prompt) units, ``--reps`` resamples, and a paired bootstrap for differences between two
models over the units both answered, so prompt difficulty cancels. The per-seed means are listed
too, because the bootstrap over prompts does not cover the spread between training seeds.

Goals checked (issues 15 and 28), per domain key that has an expert:
1. the expert beats the base on its domain (paired CI above 0);
2. where it does, the SFT model recovers at least half of that gain ((sft - base) >= 0.5 (expert - base));
3. the mixed model keeps >= 95% of the expert's gain ((mixed - base) >= 0.95 (expert - base)) and of the
   SFT score, and beats the base (paired CI above 0) on at least two domain keys;
4. thinking rows are >= 25% of the distilled rows kept per domain (every seed's distill manifest, pooled);
5. the SFT model answers in the requested mode (pipeline.scoring.metrics.follows_mode) in >= 90% of its
   eval answers, per mode.

Writes bench/results/proof.json (proof_smoke.json with --smoke). Numbers are as measured.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from .common import write_result

ROOT = Path(__file__).resolve().parents[1]
# --smoke: the same DAG at sizes that fit about 15 minutes on 2 idle cores
SMOKE = ["experts.math.steps=4", "experts.logic.steps=4", "experts.math.prompts_per_step=1",
         "experts.logic.prompts_per_step=1", "data.math.train_size=64", "data.logic.train_size=64",
         "data.math.eval_size=16", "data.logic.eval_size=16", "distill.prompts_per_domain=16",
         "distill.samples_per_prompt=2", "mixed.steps=2", "mixed.prompts_per_step=1", "eval.samples=1",
         "distill.min_reward=0"]  # 4-step experts rarely answer right: keep clean answers so SFT has data
Scores = dict[str, dict[str, dict[str, float]]]  # model -> domain -> prompt id -> share correct


def prompt_scores(samples: list[dict[str, Any]]) -> Scores:
    """Per model, domain key (``<domain>``, ``<domain>@thinking``) and prompt: the share of samples that
    are correct (rows without a correctness reward, e.g. judged writing, are skipped)."""
    from pipeline.scoring.metrics import domain_key, is_correct

    hits: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    for r in samples:
        ok = is_correct(r)
        if ok is not None:
            hits[(r["model"], domain_key(r), r["id"])].append(ok)
    out: Scores = {}
    for (model, domain, rid), v in hits.items():
        out.setdefault(model, {}).setdefault(domain, {})[rid] = sum(v) / len(v)
    return out


def _expert(key: str) -> str:
    """The expert of a domain key: ``math@thinking`` -> ``expert:math``."""
    return f"expert:{key.split('@')[0]}"


def _per_prompt(per_seed: dict[int, Scores], model: str, domain: str) -> dict[str, tuple[float, float]]:
    """``{"<seed>:<prompt id>": (share correct, 1)}``: every (seed, prompt) is one resampling unit."""
    return {f"{seed}:{rid}": (v, 1.0) for seed, s in sorted(per_seed.items())
            for rid, v in s.get(model, {}).get(domain, {}).items()}


def _per_seed(per_prompt: dict[str, tuple[float, float]]) -> dict[str, float]:
    by: dict[str, list[float]] = defaultdict(list)
    for key, (v, _) in per_prompt.items():
        by[key.split(":", 1)[0]].append(v)
    return {seed: round(sum(v) / len(v), 4) for seed, v in sorted(by.items())}


def score(per_seed: dict[int, Scores], model: str, domain: str, reps: int) -> dict[str, Any]:
    """Mean correctness and its 95% bootstrap CI over (seed, prompt) units (pipeline.scoring.stats)."""
    from pipeline.scoring.stats import bootstrap_ci, estimate, sub_seed

    pp = _per_prompt(per_seed, model, domain)
    if not pp:
        return {"mean": None, "ci95": None, "n": 0}
    ci = bootstrap_ci(pp, seed=sub_seed(0, model, domain), n_boot=reps)
    return {"mean": round(estimate(pp), 4), "ci95": [round(ci[0], 4), round(ci[1], 4)] if ci else None, "n": len(pp),
            "per_seed": _per_seed(pp)}


def paired(per_seed: dict[int, Scores], a: str, b: str, domain: str, reps: int) -> dict[str, Any]:
    """``a - b`` over the (seed, prompt) units both models were scored on (paired bootstrap)."""
    from pipeline.scoring.stats import paired_diff, sub_seed

    pa, pb = _per_prompt(per_seed, a, domain), _per_prompt(per_seed, b, domain)
    d = paired_diff(pa, pb, seed=sub_seed(0, a, b, domain), n_boot=reps) if pa and pb else None
    if d is None:
        return {"mean": None, "ci95": None, "n": 0, "ci_above_0": False}
    shared = set(pa) & set(pb)
    diffs = _per_seed({k: (pa[k][0] - pb[k][0], 1.0) for k in shared})
    return {"mean": round(d.diff, 4), "ci95": [round(d.ci[0], 4), round(d.ci[1], 4)], "n": d.n_prompts,
            "per_seed": diffs, "ci_above_0": bool(d.ci[0] > 0)}


def summarize(per_seed: dict[int, Scores], reps: int = 2000) -> dict[str, Any]:
    """Per domain: every model's score and the paired differences; then the three goals."""
    models = sorted({m for s in per_seed.values() for m in s})
    domains = sorted({d for s in per_seed.values() for m in s.values() for d in m})
    table: dict[str, Any] = {}
    for d in domains:
        expert = _expert(d) if _expert(d) in models else None
        pairs = [(expert, "base"), ("sft", "base"), ("mixed", "base"), ("mixed", "sft"), ("sft", expert)]
        table[d] = {"scores": {m: score(per_seed, m, d, reps) for m in models},
                    "paired": {f"{a} - {b}": paired(per_seed, a, b, d, reps)
                               for a, b in pairs if a in models and b in models}}
    return {"domains": table, "goals": goals(table)}


def _kept_share(mean: dict[str, float], model: str, gain: float, share: float) -> dict[str, Any] | None:
    """``model``'s gain over the base as a share of the expert's ``gain``, and whether it reaches ``share``."""
    if model not in mean or "base" not in mean:
        return None
    kept = (mean[model] - mean["base"]) / gain if gain > 0 else None
    return {"kept_share": None if kept is None else round(kept, 3), "met": bool(kept is not None and kept >= share)}


def goals(table: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"expert_beats_base": {}, "sft_recovers_half": {}, "mixed_keeps_95pct_of_gain": {},
                           "mixed_keeps_95pct_of_sft": {}}
    beats = 0
    for d, t in table.items():
        s, p = t["scores"], t["paired"]
        mean = {m: c["mean"] for m, c in s.items() if c["mean"] is not None}
        expert = _expert(d)
        if f"{expert} - base" in p and p[f"{expert} - base"]["mean"] is not None:
            gain = p[f"{expert} - base"]["mean"]
            out["expert_beats_base"][d] = p[f"{expert} - base"]["ci_above_0"]
            for key, model, share in (("sft_recovers_half", "sft", 0.5), ("mixed_keeps_95pct_of_gain", "mixed", 0.95)):
                kept = _kept_share(mean, model, gain, share) if out["expert_beats_base"][d] else None
                if kept is not None:  # a share of a gain the paired CI does not show is noise, not retention
                    out[key][d] = kept
        if "mixed" in mean and "sft" in mean:
            out["mixed_keeps_95pct_of_sft"][d] = mean["mixed"] >= 0.95 * mean["sft"]
        beats += bool(p.get("mixed - base", {}).get("ci_above_0"))
    out["mixed_beats_base_on_domains"] = beats
    out["mixed_beats_base_on_two"] = beats >= 2
    return out


def thinking_rows(run_dirs: list[Path]) -> dict[str, Any]:
    """Per domain: distilled rows kept in thinking mode and in all, summed over the seeds' distill manifests."""
    kept: dict[str, dict[str, int]] = defaultdict(lambda: {"thinking": 0, "kept": 0})
    for run in run_dirs:
        manifest = run / "distill" / "manifest.json"
        groups = json.loads(manifest.read_text()).get("metrics", {}).get("by_group", {}) if manifest.exists() else {}
        for group, g in groups.items():
            domain, mode = group.split("/", 1)
            kept[domain]["kept"] += int(g["kept"])
            kept[domain]["thinking"] += int(g["kept"]) if mode == "thinking" else 0
    return {d: {**k, "share": round(k["thinking"] / k["kept"], 3) if k["kept"] else None,
                "met": bool(k["kept"] and k["thinking"] / k["kept"] >= 0.25)} for d, k in sorted(kept.items())}


def mode_following(samples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per model and requested mode: the share of eval answers in that mode (follows_mode), Wilson CI."""
    from pipeline.scoring.metrics import follows_mode
    from pipeline.scoring.stats import wilson

    hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in samples:
        cell = hits[(r["model"], r.get("mode") or "non_thinking")]
        cell[0] += follows_mode(r)
        cell[1] += 1
    out: dict[str, dict[str, Any]] = {}
    for (model, mode), (k, n) in sorted(hits.items()):
        out.setdefault(model, {})[mode] = {"rate": round(k / n, 4), "ci95": [round(x, 4) for x in wilson(k, n)], "n": n}
    return out


def run_seed(config: str, seed: int, runs: Path, overrides: list[str]) -> tuple[int, Path]:
    out = runs / f"seed{seed}"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", config, f"seed={seed}", *overrides,
                           "--output", str(out)], cwd=ROOT)
    return proc.returncode, out / "eval" / "samples.jsonl"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(ROOT / "configs" / "proof.yaml"))
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="default: 0 1 2 (0 with --smoke)")
    p.add_argument("--runs", default=None, help="parent folder of the per-seed runs (default runs/proof[_smoke])")
    p.add_argument("--smoke", action="store_true", help="one seed at small sizes (SMOKE overrides): not the proof")
    p.add_argument("--reps", type=int, default=2000, help="bootstrap resamples")
    p.add_argument("overrides", nargs="*", help="config overrides (key=value) for every seed")
    args = p.parse_args(argv)
    seeds = args.seeds or ([0] if args.smoke else [0, 1, 2])
    runs = Path(args.runs or ROOT / "runs" / ("proof_smoke" if args.smoke else "proof"))
    overrides = [*(SMOKE if args.smoke else []), *args.overrides]
    per_seed: dict[int, Scores] = {}
    status: dict[str, int] = {}
    answers: list[dict[str, Any]] = []
    for seed in seeds:
        rc, samples = run_seed(args.config, seed, runs, overrides)
        status[str(seed)] = rc
        if rc == 0 and samples.exists():
            rows = [json.loads(x) for x in samples.read_text().splitlines() if x.strip()]
            per_seed[seed] = prompt_scores(rows)
            answers += rows
    results = {"returncodes": status, "runs": str(runs), "smoke": args.smoke, "overrides": overrides,
               **summarize(per_seed, args.reps),
               "thinking_rows": thinking_rows([runs / f"seed{s}" for s in per_seed]),
               "mode_following": mode_following(answers)}
    results["goals"]["thinking_rows_25pct"] = {d: t["met"] for d, t in results["thinking_rows"].items()}
    results["goals"]["sft_follows_mode_90pct"] = {mode: c["rate"] >= 0.9
                                                  for mode, c in results["mode_following"].get("sft", {}).items()}
    notes = ["metric: correctness (share of samples whose correctness rewards all score 1); domain keys "
             "<domain> = non-thinking eval, <domain>@thinking = thinking eval",
             "thinking_rows: distilled rows kept per domain (thinking / all), summed over seeds; mode_following: "
             "share of eval answers in the requested mode (pipeline.scoring.metrics.follows_mode), pooled over seeds",
             "95% CI: pipeline.scoring.stats bootstrap over (seed, prompt) units; paired = same seed and prompt",
             "smoke=true means reduced sizes: a check that the proof runs, not the proof"]
    path = write_result("proof_smoke" if args.smoke else "proof", vars(args), results, notes)
    print_table(results)
    print(f"wrote {path}")
    return results


def print_table(results: dict[str, Any]) -> None:
    for d, t in results["domains"].items():
        print(f"== {d}")
        for m, c in t["scores"].items():
            if c["mean"] is not None:
                print(f"  {m:14s} {c['mean']:.3f}  [{c['ci95'][0]:.3f}, {c['ci95'][1]:.3f}]  n={c['n']}")
        for name, c in t["paired"].items():
            if c["mean"] is not None:
                print(f"  {name:22s} {c['mean']:+.3f}  [{c['ci95'][0]:+.3f}, {c['ci95'][1]:+.3f}]")
    for model, modes in results.get("mode_following", {}).items():
        print(f"  mode following {model:14s} " + ", ".join(f"{m} {c['rate']:.3f}" for m, c in modes.items()))
    for d, t in results.get("thinking_rows", {}).items():
        print(f"  thinking rows {d}: {t['thinking']}/{t['kept']}")
    print("goals:", json.dumps(results["goals"]))


if __name__ == "__main__":
    main()
