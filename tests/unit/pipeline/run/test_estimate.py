"""The time estimate (pipeline/run/estimate.py): its reference matches the measured demo, it scales with the
probed speed and the config's work, the probe is quick, and the bar's time left moves from the estimate to
the rate."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.run import estimate as est
from pipeline.run.orchestrator import plan

ROOT = Path(__file__).resolve().parents[4]
DEMO = ROOT / "configs" / "demo.yaml"


def _result(name: str) -> dict:
    return json.loads((ROOT / "bench" / "results" / f"{name}.json").read_text())["results"]


def test_reference_is_the_measured_demo_on_its_roofline():
    demo = _result("demo")
    roof = demo.get("roofline") or _result("roofline")  # bench.demo records it since this change; before: same hour
    assert est.REFERENCE_GFLOPS == pytest.approx(roof["matmul_gflops"])
    stages = {n: s["duration_s"] for n, s in demo["stages"].items()}
    assert est.REFERENCE_SECONDS["expert"] == pytest.approx(sum(v for n, v in stages.items() if n.startswith("expert:")))
    for kind in ("distill", "sft", "mixed", "eval", "report"):
        assert est.REFERENCE_SECONDS[kind] == pytest.approx(stages[kind])
    assert est.REFERENCE_WALL_S == pytest.approx(demo["wall_s"])
    assert est.STARTUP_S == pytest.approx(demo["wall_s"] - demo["stage_sum_s"], abs=1.0)
    cfg = load_config(DEMO)
    names = plan(cfg)
    work = {k: sum(est.stage_work(cfg, n) for n in names if n.split(":")[0] == k) for k in est.REFERENCE_WORK}
    assert work == pytest.approx(est.REFERENCE_WORK)


def test_demo_estimate_at_the_reference_speed_is_the_measured_time_and_scales_with_the_probe():
    cfg = load_config(DEMO)
    names = plan(cfg)
    at_ref = est.stage_estimates(cfg, names, est.REFERENCE_GFLOPS)
    assert sum(at_ref.values()) == pytest.approx(_result("demo")["stage_sum_s"], rel=1e-3)
    assert est.total_seconds(at_ref, names, parallel=1) == pytest.approx(_result("demo")["wall_s"], rel=1e-3)
    half = est.stage_estimates(cfg, names, est.REFERENCE_GFLOPS / 2)
    assert all(half[n] == pytest.approx(2 * at_ref[n]) for n in names)
    # two experts side by side (a machine with CPUs for both) take the slower one's time, not the sum
    assert est.total_seconds(at_ref, names, parallel=2) < est.total_seconds(at_ref, names, parallel=1)


def test_estimate_follows_the_config_work():
    cfg = load_config(DEMO, ["mixed.steps=4", "eval.samples=2", "eval.pass_k=[1]"])  # the demo's 2 and 1, doubled
    names = plan(cfg)
    base = est.stage_estimates(load_config(DEMO), names, est.REFERENCE_GFLOPS)
    more = est.stage_estimates(cfg, names, est.REFERENCE_GFLOPS)
    assert more["mixed"] == pytest.approx(2 * base["mixed"]) and more["eval"] == pytest.approx(2 * base["eval"])
    assert more["distill"] == pytest.approx(base["distill"])


def test_estimate_line_names_the_probe_and_the_reference_machine():
    line = est.estimate_line(2183.0, est.REFERENCE_GFLOPS / 2, 0.8, 2)
    assert line.startswith("estimate: about 36.4 min on this machine")
    assert f"{est.REFERENCE_GFLOPS / 2:.0f} GFLOP/s at 2 thread(s)" in line and "about 2x as long" in line
    assert f"{est.minutes(est.REFERENCE_WALL_S)} at {est.REFERENCE_GFLOPS:.0f} GFLOP/s" in line


def test_gpu_stages_get_no_cpu_estimate():
    from pipeline.config import Resources

    demo = load_config(DEMO)
    cfg = demo.model_copy(update={"resources": {**demo.resources, "eval": Resources(num_cpus=2, num_gpus=1)}})
    line, per_stage = est.plan_estimate(cfg, plan(cfg))
    assert per_stage == {} and "none for GPU stages" in line


def test_probe_is_quick_and_restores_the_thread_count():
    import torch

    threads = torch.get_num_threads()
    gflops, seconds = est.probe_gflops(1)
    assert gflops > 0.1 and seconds < 30  # a few 2048^2 products: about 1 s here (1.5 s under a load of 17)
    assert torch.get_num_threads() == threads


def test_time_left_starts_from_the_estimate_and_ends_with_the_rate():
    assert est.remaining_seconds(30, None, 100) == 70
    assert est.remaining_seconds(130, 0.0, 100) == 0  # overdue, no progress: 0, never negative
    assert est.remaining_seconds(50, 0.5, None) == 50  # no estimate: the rate alone
    assert est.remaining_seconds(90, 1.0, 100) == 0
    assert est.remaining_seconds(40, 0.5, 100) == pytest.approx(0.5 * 60 + 0.5 * 40)
    assert est.remaining_seconds(10, None, None) is None
    assert est.remaining_text(30, None, 100) == "~1:10 left" and est.remaining_text(0, None, None) == ""
    assert est.clock(3725) == "1:02:05"
    # a stage that outlives its estimate before it makes progress says so, rather than "~0:00 left"
    assert est.remaining_text(130, None, 100) == "+0:30 over the estimate"
    assert est.remaining_text(130, 0.5, 100) == "~1:05 left"  # with progress, the rate takes over


def test_stage_bar_shows_the_time_left_from_its_estimate(tmp_path):
    import io

    from rich.console import Console

    from pipeline.run.progress import StageBars

    bars = StageBars(Console(file=io.StringIO(), force_terminal=True, width=120))
    bars.add("sft", tmp_path / "progress.json", estimate_s=95.0)
    bars.add("eval", tmp_path / "eval.json")
    left = bars.progress.columns[-1]
    sft, ev = bars.progress.tasks
    assert str(left.render(sft)).startswith("~1:3") and str(left.render(sft)).endswith(" left")  # not started: 1:35
    assert str(left.render(ev)) == ""  # no estimate, no progress: nothing rather than a guess
    bars.progress.update(sft.id, completed=3, total=3)
    assert str(left.render(bars.progress.tasks[0])) == ""  # finished
