"""The roofline's limits follow from what it measured, and run_all collects every ratio with its goal."""
from __future__ import annotations

import json

from bench.roofline import Roofline, fraction, measure
from bench.run_all import collect_ratios


def test_measure_gives_positive_limits_quickly():
    roof = measure(budget_s=0.02)
    assert roof.matmul_flops > 1e8 and roof.mem_read_bytes_per_s > 1e8 and roof.threads >= 1
    assert set(roof.per_shape_gflops) == {"2048x2048x2048", "64x576x1536", "64x576x49152"}
    assert abs(roof.matmul_flops / 1e9 - max(roof.per_shape_gflops.values())) < 0.1


def test_decode_limit_is_compute_bound_at_large_batch_and_memory_bound_at_batch_one():
    roof = Roofline(matmul_flops=150e9, mem_read_bytes_per_s=50e9, threads=2)
    params = 135_000_000
    assert abs(roof.decode_limit(params, 64) - 150e9 / (2 * params)) < 1e-6  # ~556 tok/s: compute
    assert abs(roof.decode_limit(params, 1) - 50e9 / (4 * params)) < 1e-6  # ~93 tok/s: weight reads
    assert abs(roof.train_seconds(params, 1000) - 6 * params * 1000 / 150e9) < 1e-9
    assert fraction(278.0, 556.0) == 0.5 and fraction(None, 1.0) is None
    bf16 = Roofline(matmul_flops=150e9, mem_read_bytes_per_s=50e9, threads=2, dtype="bf16")
    assert abs(bf16.decode_limit(params, 1) - 50e9 / (2 * params)) < 1e-6  # half the bytes per weight


def test_bf16_probe_measures_bf16_matmuls():
    roof = measure(budget_s=0.02, dtype="bf16")
    assert roof.dtype == "bf16" and roof.matmul_flops > 1e8


def test_collect_ratios_reads_goals_and_values(tmp_path):
    (tmp_path / "rollout.json").write_text(json.dumps({
        "args": {"quick": False}, "created_utc": "t", "environment": {"loadavg_1_5_15": [3.0, 2.0, 1.0]},
        "results": {"vllm": {"fraction_of_decode_limit": 0.31}, "vllm_over_hf": 2.5}}))
    (tmp_path / "overhead.json").write_text(json.dumps({"args": {"quick": True}, "results": {"step_over_compute_estimate": 2.1}}))
    got = {(r["bench"], r["ratio"]): r for r in collect_ratios(tmp_path)}
    assert got[("rollout", "vllm.fraction_of_decode_limit")]["value"] == 0.31
    assert got[("rollout", "vllm.fraction_of_decode_limit")]["goal"] == ">= 0.5"
    assert got[("rollout", "vllm_over_hf")]["loadavg_1_5_15"] == [3.0, 2.0, 1.0]
    assert got[("overhead", "step_over_compute_estimate")]["quick"] is True
    assert ("distill", "distill_over_raw") not in got
