"""Difficulty calibration: the base model's pass rate per training prompt, and the prompts in a band.

GRPO learns only from prompts the policy sometimes gets right: a prompt it always fails (or
always solves) gives groups without reward variance. DeepSeek-V3.2 keeps only the agent tasks
with a non-zero pass@k; this step measures the rate for every training prompt of a domain,
``samples`` completions each with the rollout engine (vLLM, or HF), scored for correctness
with the domain's reward list (a sample passes when every correctness reward of the domain,
e.g. ``math_correctness``, ``exact_match`` or ``code_tests``, scores 1), and keeps the prompts whose rate
lies in ``band``: ``lo < rate < hi`` by default (``0 < rate < 1``: solved sometimes, not
always), ``lo <= rate <= hi`` with ``inclusive: true``.

Used by the expert stage when ``experts.<domain>.calibration`` is set (the kept ids and the
per-prompt rates go into the stage folder's ``calibration.json`` and its manifest), and by
``posttrain calibrate``:

    posttrain calibrate configs/demo.yaml --domain math --samples 8 --band 0,1
    posttrain calibrate configs/demo.yaml --domain logic --band 0.1,0.7 --inclusive --output /tmp/logic_kept.jsonl

Departure from the paper: V3.2 filters by pass@k of its own agents at scale; here the
rate is measured once, on the base model (or ``--model``), before the expert trains.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

log = logging.getLogger(__name__)


@dataclass
class Calibration:
    """The outcome for one domain: every measured prompt's pass rate and the ids kept."""

    domain: str
    band: tuple[float, float]
    inclusive: bool
    samples: int
    rates: dict[str, float] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """What the stage manifest records (kept ids included)."""
        rates = list(self.rates.values())
        return {"domain": self.domain, "band": list(self.band), "inclusive": self.inclusive, "samples": self.samples,
                "measured": len(rates), "kept": len(self.kept), "kept_ids": list(self.kept),
                "mean_rate": round(sum(rates) / len(rates), 4) if rates else None,
                "never_solved": sum(r == 0 for r in rates), "always_solved": sum(r == 1 for r in rates)}


def in_band(rate: float, band: tuple[float, float], inclusive: bool) -> bool:
    lo, hi = band
    return lo <= rate <= hi if inclusive else lo < rate < hi


def correctness_names(router: Any, domain: str) -> list[str]:
    """The domain's correctness rewards; a domain without one cannot be calibrated."""
    names = [e.name for e in router.specs.get(domain, []) if e.is_correctness]
    if not names:
        raise ConfigError(f"rewards.{domain}", "calibration needs a correctness reward (math_correctness, exact_match "
                          f"or code_tests) in the domain's reward list; {domain!r} has none")
    return names


def pass_rates(scored: list[dict[str, Any]], names: list[str]) -> dict[str, float]:
    """Per row id: the share of its samples on which every correctness reward scored >= 1."""
    passed: dict[str, list[bool]] = defaultdict(list)
    for s in scored:
        comps = s.get("components") or {}
        passed[s["id"]].append(all((comps.get(n) or 0.0) >= 1.0 for n in names))
    return {rid: sum(v) / len(v) for rid, v in passed.items()}


def calibrate(engine: Any, router: Any, rows: list[dict[str, Any]], domain: str, *, samples: int,
              band: tuple[float, float], inclusive: bool, sampling: Any, mode: str) -> Calibration:
    """Measure ``rows`` (prompts already templated) and keep those in ``band``; input order is kept."""
    from dataclasses import replace

    from ..rollout.sampling import sample_rows

    names = correctness_names(router, domain)
    completions = sample_rows(engine, rows, replace(sampling, n=samples), mode)
    rates = pass_rates(router.score_rows(completions), names)
    kept = [r["id"] for r in rows if in_band(rates[r["id"]], band, inclusive)]
    cal = Calibration(domain, band, inclusive, samples, {r["id"]: round(rates[r["id"]], 4) for r in rows}, kept)
    log.info("calibration %s: kept %d of %d prompts with pass rate in %s%s, %s%s (mean rate %.3f)", domain,
             len(kept), len(rows), "[" if inclusive else "(", band[0], band[1], "]" if inclusive else ")",
             cal.summary()["mean_rate"] or 0.0)
    return cal


def measure(cfg: Any, domain: str, model: str, rows: list[dict[str, Any]], calib: Any, mode: str,
            max_tokens: int) -> Calibration:
    """Build the engine and the domain's router, measure ``rows`` with ``calib`` (a
    CalibrationConfig), close both."""
    from ..rollout import SamplingConfig
    from ..rollout.build import rollout_engine
    from ..scoring.reward_factory import build_router

    from ..scoring.metrics import CORRECTNESS
    from ..scoring.reward_factory import reward_lists

    if not set(CORRECTNESS) & {e["name"] for e in reward_lists(cfg, [domain])[domain]}:
        raise ConfigError(f"rewards.{domain}", "calibration needs a correctness reward (math_correctness, exact_match "
                          f"or code_tests) in the domain's reward list; {domain!r} has none")
    router = build_router(cfg, domains=[domain])  # (a judged domain would load its judge here)
    try:
        engine = rollout_engine(cfg, model)
        try:
            temp = cfg.rollout.temperature if calib.temperature is None else calib.temperature
            sampling = SamplingConfig(max_tokens=max_tokens, temperature=temp, top_p=cfg.rollout.top_p, seed=cfg.seed)
            return calibrate(engine, router, rows, domain, samples=calib.samples, band=tuple(calib.band),
                             inclusive=calib.inclusive, sampling=sampling, mode=mode)
        finally:
            engine.close()
    finally:
        router.close()


def check_kept(cal: Calibration, calib: Any, where: str) -> None:
    """Too few prompts in the band is a config problem: say which knobs widen it."""
    if len(cal.kept) < calib.min_kept:
        s = cal.summary()
        raise ConfigError(where, f"kept {len(cal.kept)} of {s['measured']} prompts (need min_kept="
                          f"{calib.min_kept}; {s['never_solved']} never solved, {s['always_solved']} always solved, "
                         f"mean rate {s['mean_rate']}); widen the band, raise samples, or pick another "
                          f"data.{cal.domain}.difficulty")


def calib_mode(mode: str) -> str:
    """The mode prompts are measured in: the expert's, non_thinking for ``both``."""
    return "thinking" if mode == "thinking" else "non_thinking"


def stage_calibration(cfg: Any, out: Path, domain: str, model: str, s: dict[str, Any]) -> dict[str, Any] | None:
    """The expert stage's step: measure (or reuse ``out/calibration.json`` from an interrupted run of
    the same settings), check enough prompts are kept, return the summary (kept ids included)."""
    from ..data import load_split
    from ..io import write_json_atomic

    calib = s.get("calibration")
    if calib is None:
        return None
    path = out / "calibration.json"
    settings = {"calibration": calib.model_dump(mode="json"), "model": model, "mode": s["mode"],
                "max_tokens": s["max_tokens"], "train_size": cfg.data.get(domain).train_size
                if domain in cfg.data else None}
    if path.exists() and json.loads(path.read_text()).get("settings") == settings:
        saved = json.loads(path.read_text())
        log.info("calibration %s: reusing %s", domain, path)
        return {**saved["summary"], "file": str(path)}
    rows = load_split(cfg, domain, "train")[: calib.max_prompts]
    cal = measure(cfg, domain, model, rows, calib, calib_mode(s["mode"]), s["max_tokens"])
    check_kept(cal, calib, f"experts.{domain}.calibration.band")
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, {"settings": settings, "summary": cal.summary(), "rates": cal.rates})
    return {**cal.summary(), "file": str(path)}


def calibrate_command(cfg: Any, domain: str, calib: Any, model: str | None, output: str | None) -> int:
    """``posttrain calibrate``: measure ``domain``'s training prompts, write the kept rows (plain
    prompts, the row schema, usable as ``data.<domain>.source`` with a ``split`` column) to
    OUTPUT.jsonl and every rate to OUTPUT.json; print one summary line."""
    from experts.base import get_expert

    from ..data import load_split, raw_split
    from ..models import resolve_model
    from ..io import write_json_atomic, write_text_atomic

    mode = calib_mode(cfg.experts[domain].mode if domain in cfg.experts and cfg.experts[domain].mode
                      else get_expert(domain).mode)
    max_tokens = (cfg.experts[domain].max_tokens if domain in cfg.experts else None) \
        or get_expert(domain).max_tokens
    rows = load_split(cfg, domain, "train")[: calib.max_prompts]
    cal = measure(cfg, domain, str(resolve_model(model or cfg.model)), rows, calib, mode, max_tokens)
    check_kept(cal, calib, "--band")
    dest = Path(output) if output else Path(cfg.output_dir) / "calibration" / f"{domain}.jsonl"
    dest.parent.mkdir(parents=True, exist_ok=True)
    kept = set(cal.kept)
    plain = [{**r, "split": "train"} for r in raw_split(cfg, domain, "train") if r["id"] in kept]
    write_text_atomic(dest, "".join(json.dumps(r) + "\n" for r in plain))
    write_json_atomic(dest.with_suffix(".json"), {"summary": cal.summary(), "rates": cal.rates})
    s = cal.summary()
    print(f"{domain}: kept {s['kept']} of {s['measured']} prompts (mean pass rate {s['mean_rate']}; "
          f"{s['never_solved']} never, {s['always_solved']} always solved) -> {dest}")
    return 0
