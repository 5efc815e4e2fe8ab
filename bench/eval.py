"""Eval generation throughput vs raw vLLM, and the cost of switching models, on one warm engine.

    python -m bench.eval                      # demo eval config at 24 prompts per domain, n=2
    python -m bench.eval --quick              # 4 prompts per domain, 48 tokens, one round (a loaded machine)

One in-process vLLM engine on the embedded SmolLM2-135M-Instruct (configs/demo.yaml's rollout
and eval sampling). ``eval`` is the eval stage's generation path
(pipeline/stages/eval_generate.sample_all: every domain's held-out rows rendered per mode and sent
in one engine call, completion rows built); ``raw`` is one ``LLM.generate`` on the same prompt
token ids with the same ``SamplingParams``. Rounds alternate raw / eval after a warm-up; the
ratio of generated tokens per second is the stage's generation overhead (goal >= 0.9).

Model switch: ``ModelSwapper.load`` of a second checkpoint (the embedded weights plus seeded noise,
written once to a temp folder) on the warm engine: read its safetensors + ``sync_weights``
(vLLM ``reload_weights`` + prefix-cache reset), timed over several switches (goal <= 2 s), next to
the engine build time it replaces. The swap is checked, not assumed: greedy tokens after
swapping in B equal a freshly built engine on B, and swapping back to A reproduces A's tokens.
Writes bench/results/eval.json.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from .common import ROOT, Timer, rate, vllm_env, write_result

GOAL_RATIO, GOAL_SWITCH_S = 0.9, 2.0


def perturbed_copy(src: Path, dst: Path, seed: int = 1, scale: float = 0.01) -> Path:
    """``src`` with every float tensor moved by ``scale`` x its std of seeded noise (same architecture)."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.suffix != ".safetensors":
            shutil.copy(f, dst / f.name)
    gen = torch.Generator().manual_seed(seed)
    for f in src.glob("*.safetensors"):
        sd = load_file(str(f))
        sd = {k: (v + scale * v.float().std() * torch.randn(v.shape, generator=gen)).to(v.dtype).contiguous()
              if v.is_floating_point() else v for k, v in sd.items()}
        save_file(sd, str(dst / f.name), metadata={"format": "pt"})
    return dst


def _throughput(engine: Any, rows: dict[str, list[dict[str, Any]]], modes: list[str], sampling: Any,
                repeats: int) -> dict[str, Any]:
    from pipeline.stages.eval_generate import render_prompts, sample_all

    import dataclasses

    ids = [p[2] for p in render_prompts(engine, rows, modes)]
    params = engine._params(sampling)
    raw = lambda p=params: engine.llm.generate([{"prompt_token_ids": x} for x in ids], p, use_tqdm=False)  # noqa: E731
    raw(engine._params(dataclasses.replace(sampling, max_tokens=1)))  # warm-up: fills the prefix cache both paths share
    tot = {"raw": [0.0, 0.0], "eval": [0.0, 0.0]}
    for _ in range(repeats):
        with Timer() as t:
            outs = raw()
        tot["raw"][0] += sum(len(o.token_ids) for out in outs for o in out.outputs)
        tot["raw"][1] += t.seconds
        with Timer() as t:
            done = sample_all(engine, rows, modes, sampling)
        tot["eval"][0] += sum(r["completion_tokens"] for r in done)
        tot["eval"][1] += t.seconds
    res: dict[str, Any] = {"prompts": len(ids), "n": sampling.n, "max_tokens": sampling.max_tokens}
    for k, (tok, sec) in tot.items():
        res[k] = {"tokens": tok, "seconds": round(sec, 3), "tokens_per_s": round(rate(tok, sec) or 0.0, 2)}
    ratio = res["eval"]["tokens_per_s"] / res["raw"]["tokens_per_s"] if res["raw"]["tokens_per_s"] else 0.0
    res.update(eval_over_raw=round(ratio, 3), goal_ratio=GOAL_RATIO, meets_goal=ratio >= GOAL_RATIO)
    return res


def _greedy(engine: Any, prompts: list[str]) -> list[list[int]]:
    from pipeline.rollout import SamplingConfig

    return [g.samples[0].token_ids for g in engine.generate(prompts, SamplingConfig(n=1, max_tokens=24, temperature=0.0))]


def _switching(cfg: Any, swapper: Any, a: str, b: str, switches: int, build_s: float) -> dict[str, Any]:
    from pipeline.rollout.build import rollout_engine

    probe = ["What is 7 + 5?", "Name a primary colour.", "Write one sentence about rain."]
    tokens_a = _greedy(swapper.load(a), probe)
    times = []
    tokens_b: list[list[int]] = []
    for i in range(switches):
        target = b if i % 2 == 0 else a
        with Timer() as t:
            engine = swapper.load(target)
        times.append(t.seconds)
        if i == 0:
            tokens_b = _greedy(engine, probe)
    back_to_a = _greedy(swapper.load(a), probe) == tokens_a
    swapper.close()
    fresh = rollout_engine(cfg, b)
    try:
        fresh_b = _greedy(fresh, probe)
    finally:
        fresh.close()
    worst = max(times)
    return {"switches": len(times), "switch_s": [round(x, 3) for x in times], "switch_s_median": round(statistics.median(times), 3),
            "switch_s_max": round(worst, 3), "engine_build_s": round(build_s, 2), "goal_switch_s": GOAL_SWITCH_S,
            "meets_goal": worst <= GOAL_SWITCH_S, "weights_swapped_by_sync": len(swapper.switch_s) >= len(times),
            "swapped_b_matches_fresh_b": tokens_b == fresh_b, "b_differs_from_a": tokens_b != tokens_a,
            "swap_back_reproduces_a": back_to_a}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=str(ROOT / "configs" / "demo.yaml"))
    p.add_argument("--prompts", type=int, default=24, help="held-out prompts per domain")
    p.add_argument("--max-tokens", type=int, default=None, help="tokens per completion (default: the config's rollout.max_tokens)")
    p.add_argument("--repeats", type=int, default=2, help="timed rounds; raw and eval alternate")
    p.add_argument("--switches", type=int, default=4, help="timed model switches (B, A, B, ...)")
    p.add_argument("--quick", action="store_true", help="4 prompts per domain, 48 tokens, 1 round, 2 switches")
    p.add_argument("--out-dir", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.prompts, args.max_tokens, args.repeats, args.switches = 4, 48, 1, 2
    vllm_env(1)

    from pipeline.config import load_config
    from pipeline.models import resolve_model
    from pipeline.rollout import SamplingConfig
    from pipeline.stages.eval_generate import ModelSwapper
    from pipeline.stages.evaluate import eval_rows

    cfg = load_config(args.config, [f"data.{d}.eval_size={args.prompts}" for d in ("math", "code", "logic", "writing")])
    rows = eval_rows(cfg)
    sampling = SamplingConfig(n=cfg.eval.samples, max_tokens=args.max_tokens or cfg.rollout.max_tokens, temperature=cfg.eval.temperature,
                              top_p=cfg.rollout.top_p, seed=cfg.seed)
    a = str(resolve_model(cfg.model))
    with tempfile.TemporaryDirectory(prefix="bench_eval_") as tmp:
        b = str(perturbed_copy(Path(a), Path(tmp) / "model_b"))
        swapper = ModelSwapper(cfg)
        with Timer() as t_build:
            engine = swapper.load(a)
        throughput = _throughput(engine, rows, list(cfg.eval.modes), sampling, args.repeats)
        results: dict[str, Any] = {"rows_per_domain": {d: len(r) for d, r in rows.items()}, "throughput": throughput,
                                   "switch": None}
        write_result("eval", vars(args), results, ["partial: the switch phase had not finished"], args.out_dir)
        results["switch"] = switching = _switching(cfg, swapper, a, b, args.switches, t_build.seconds)
    notes = ["tokens/s = generated tokens / wall seconds of the timed calls on one warm engine; raw = LLM.generate on "
             "the same prompt ids and SamplingParams",
             "switch = ModelSwapper.load on a warm engine: safetensors read + sync_weights (reload_weights)",
             "measured on a shared 2-core machine under other helpers' load; see environment.loadavg_1_5_15"]
    path = write_result("eval", vars(args), results, notes, args.out_dir)
    print(f"eval/raw {throughput['eval_over_raw']:.3f} (goal >= {GOAL_RATIO}); switch median "
          f"{switching['switch_s_median']:.2f}s max {switching['switch_s_max']:.2f}s (goal <= {GOAL_SWITCH_S}s), "
          f"engine build {switching['engine_build_s']:.1f}s; wrote {path}")
    return results


if __name__ == "__main__":
    main()
