"""Keep routing (issue 26): how many tokens a training pass routes to other experts than the source did,
and the log-prob gap to the source with and without replay, on tiny local MoE models (tests/tiny_moe.py).

Two gaps, each on Qwen3-MoE and Mixtral:

- ``bf16_trainer_vs_fp32_engine`` (source engine): the HF engine samples in fp32 and records routes and
  log-probs; the trainer scores the same tokens with the same weights under bf16 autocast (as TRL trains
  with ``bf16=True``), once free and once replaying the engine's routes.
- ``after_one_update`` (source trainer): the real V3.2 GRPO trainer records routes in its sampling-time
  pass, takes one AdamW step on the GRPO loss (with replay), and scores the same batch again, as a
  second iteration / off-policy step would (keep_routing/* metrics of pipeline/train/keep_routing_trainer.py).

Shares are over sampled (loss-mask) tokens: ``route_mismatch`` = token x MoE-layer pairs whose top-k set
differs from the source's, ``token_mismatch`` = tokens with any layer differing; gaps are mean |delta logp|.

    python -m bench.keep_routing                 # -> bench/results/keep_routing.json
    python -m bench.keep_routing --quick         # smaller sizes (smoke)
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

from bench.common import timed, write_result  # noqa: E402

PROMPTS = ["What is 2 + 3?", "Write a short email to your manager.", "Alice is taller than Bob. Who is tallest?",
           "def add(a, b):", "Search the corpus for Zorblax founder.", "What is 7 + 5?", "Let me think.",
           "Who is tallest, Alice or Bob?"]


def _teacher_forced(model, seqs, prompt_lens, routers, routes=None, bf16=False):
    """Per sequence: (log-probs of its completion tokens, routes of the pass (tokens, layers, k))."""
    import torch

    from pipeline.train.keep_routing import ReplayRoutes
    from pipeline.train.keep_routing_record import RouteRecorder

    from contextlib import nullcontext

    out = []
    for i, seq in enumerate(seqs):
        ids = torch.tensor([seq])
        replay = ReplayRoutes(routers, routes[i].unsqueeze(0)) if routes is not None else nullcontext()
        # the replay hooks go first, so the recorder sees the experts the pass actually used
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16), replay, \
                RouteRecorder(routers) as rec:
            logits = model(input_ids=ids).logits
        lp = logits[0, :-1].float().log_softmax(-1).gather(-1, ids[0, 1:, None]).squeeze(-1)
        out.append((lp[prompt_lens[i] - 1:], rec.tokens(0)))
    return out


def engine_gap(path: Path, samples: int, max_tokens: int) -> dict:
    """fp32 HF engine (routes + log-probs recorded while sampling) vs a bf16-autocast trainer pass."""
    import torch

    from pipeline.rollout import SamplingConfig
    from pipeline.rollout.hf_backend import HFEngine
    from pipeline.train.keep_routing_record import find_routers

    engine = HFEngine(str(path))
    tok, model = engine.tokenizer, engine.model
    prompts = [tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
               for p in PROMPTS]
    pids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
    gens = engine.generate_ids(pids, SamplingConfig(n=samples, max_tokens=max_tokens, logprobs=True,
                                                    include_stop_token=True, seed=0))
    seqs, plens, src_lp, src_routes = [], [], [], []
    for p, group in zip(pids, gens):
        for s in group:
            seqs.append(p + s.token_ids)
            plens.append(len(p))
            src_lp.append(torch.tensor(s.logprobs))
            src_routes.append(s.routed_experts)
    routers = find_routers(model)
    free = _teacher_forced(model, seqs, plens, routers, bf16=True)
    replay = _teacher_forced(model, seqs, plens, routers, routes=src_routes, bf16=True)
    fp32_free = _teacher_forced(model, seqs, plens, routers, bf16=False)
    return {"sequences": len(seqs), "sampled_tokens": int(sum(len(x) for x in src_lp)),
            "bf16_free": _compare(free, src_lp, src_routes, plens), "bf16_replay": _compare(replay, src_lp, src_routes, plens),
            "fp32_free": _compare(fp32_free, src_lp, src_routes, plens)}


def _compare(passes, src_lp, src_routes, plens) -> dict:
    """Mismatch of a pass against the source over the completion tokens that have a recorded route."""
    gap = n = pairs = toks = n_routed = 0.0
    for (lp, routes), slp, sr, p in zip(passes, src_lp, src_routes, plens):
        gap, n = gap + float((lp - slp).abs().sum()), n + len(slp)
        a, b = sr[p:].long().sort(-1).values, routes[p:].long().sort(-1).values
        on = a[:, 0, 0] >= 0
        diff = (a != b).any(-1)[on]
        pairs, toks, n_routed = pairs + float(diff.sum()), toks + float(diff.any(-1).sum()), n_routed + float(on.sum())
    layers = src_routes[0].shape[1]
    return {"logp_gap": round(gap / n, 6), "route_mismatch": round(pairs / max(n_routed * layers, 1), 5),
            "token_mismatch": round(toks / max(n_routed, 1), 5), "tokens_compared": int(n_routed)}


def update_gap(path: Path, samples: int, max_tokens: int, lr: float, out_dir: Path) -> dict:
    """The V3.2 trainer with keep_routing=trainer: sampling-time routes, one AdamW step, the same batch again."""
    import torch
    from datasets import Dataset
    from trl import GRPOConfig

    from pipeline.train.v32_loss import V32Loss, v32_trainer_class

    rows = [{"prompt": [{"role": "user", "content": p}]} for p in PROMPTS]
    args = GRPOConfig(output_dir=str(out_dir), per_device_train_batch_size=len(rows) * samples, num_generations=samples,
                      max_completion_length=max_tokens, max_steps=1, learning_rate=lr, beta=0.0, use_cpu=True,
                      report_to=[], save_strategy="no", remove_unused_columns=False, temperature=1.0,
                      disable_tqdm=True, seed=0)

    def reward(completions, **_):
        return [float(len(str(c)) % 5) for c in completions]

    trainer = v32_trainer_class()(model=str(path), args=args, reward_funcs=[reward], train_dataset=Dataset.from_list(rows),
                                  v32=V32Loss(correction="none", keep_routing="trainer", routing_check_every=1))
    trainer.model.train()
    trainer.current_gradient_accumulation_steps = 1
    batch = trainer._generate_and_score_completions([r for r in rows for _ in range(samples)])
    opt = torch.optim.AdamW(trainer.model.parameters(), lr=lr)
    trainer._compute_loss(trainer.model, batch).backward()  # iteration 1: same weights, routes replayed
    before = {k: v[-1] for k, v in trainer._metrics["train"].items() if k.startswith("keep_routing/")}
    opt.step()
    opt.zero_grad()
    trainer.state.global_step = 1  # the next pass is a later step: run the side pass again
    with torch.no_grad():
        trainer._compute_loss(trainer.model, batch)  # iteration 2 / off-policy step: the moved policy
    after = {k: v[-1] for k, v in trainer._metrics["train"].items() if k.startswith("keep_routing/")}
    mask = batch["completion_mask"]
    return {"sequences": int(mask.size(0)), "sampled_tokens": int(mask.sum()), "learning_rate": lr,
            "same_weights": _round(before), "after_one_update": _round(after)}


def _round(d: dict) -> dict:
    return {k.removeprefix("keep_routing/"): round(float(v), 6) for k, v in d.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--lr", type=float, nargs="+", default=[1e-5, 1e-4])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--experts", type=int, default=16)
    ap.add_argument("--top-k", type=int, default=4)
    a = ap.parse_args()
    if a.quick:
        a.samples, a.max_tokens, a.layers, a.experts, a.top_k = 2, 12, 2, 8, 2
    import torch

    from tests.tiny_moe import build_tiny_moe

    torch.manual_seed(0)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("qwen3_moe", "mixtral"):
            path = build_tiny_moe(Path(tmp) / kind, kind=kind, hidden=128, layers=a.layers, experts=a.experts, top_k=a.top_k)
            with timed() as t:
                results[kind] = {"bf16_trainer_vs_fp32_engine": engine_gap(path, a.samples, a.max_tokens)}
                for lr in a.lr:
                    results[kind][f"after_one_update_lr{lr:g}"] = update_gap(path, a.samples, a.max_tokens, lr,
                                                                             Path(tmp) / "t")
            results[kind]["seconds"] = round(t.seconds, 1)
            print(kind, results[kind], flush=True)
    cmd = "python -m bench.keep_routing" + (" --quick" if a.quick else "")
    path = write_result("keep_routing", {**vars(a), "command": cmd, "prompts": len(PROMPTS), "hidden": 128}, results,
                        notes=["tiny random-weight MoE models built locally (tests/tiny_moe.py), CPU; other helpers "
                               "shared the CPUs (timings are noise, shares and gaps are not)",
                               "engine = HF generate fp32 (routes recorded by router hooks); trainer = bf16 autocast"])
    print("wrote", path)


if __name__ == "__main__":
    main()
