"""Keep routing on a tiny real MoE (Qwen3-MoE and Mixtral, tests/tiny_moe.py): recording, replay (asserted on
the expert indices the experts modules actually receive), the HF engine's routes, the batch layout, the
config and source resolution, a dense model, and both sources inside a real TRL GRPOTrainer."""
from __future__ import annotations

import logging

import pytest

from pipeline.train.keep_routing import ReplayRoutes, batch_routes, resolve_source, route_mismatch
from pipeline.train.keep_routing_record import RouteRecorder, find_routers, fit_routes, routes_from_vllm

KINDS = ["qwen3_moe", "mixtral"]


@pytest.fixture(scope="module")
def moe(tmp_path_factory):
    from tests.tiny_moe import build_tiny_moe

    root = tmp_path_factory.mktemp("moe")
    return {k: build_tiny_moe(root / k, kind=k) for k in KINDS}


def _experts_seen(model):
    """Hooks on every MoE block's experts module: the top-k indices it is called with, per layer."""
    routers = find_routers(model)
    experts = [m.experts for r in routers for m in model.modules() if getattr(m, "gate", None) is r]
    seen = [[] for _ in experts]
    handles = [e.register_forward_pre_hook(lambda _m, args, i=i: seen[i].append(args[1].detach().clone()))
               for i, e in enumerate(experts)]
    return seen, handles


def _load(path, dtype="float32"):
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype)).eval()


@pytest.mark.parametrize("kind", KINDS)
def test_tokenizer_ids_match_tokenizer_json(moe, kind):
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    text = "What is 2 + 3? The answer is \\boxed{5}.<|im_end|>\ndef add(a, b):"
    tok = AutoTokenizer.from_pretrained(moe[kind])
    raw = Tokenizer.from_file(str(moe[kind] / "tokenizer.json"))
    assert tok(text, add_special_tokens=False)["input_ids"] == raw.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize("kind", KINDS)
def test_replay_forces_the_recorded_experts_in_every_layer(moe, kind):
    import torch

    model = _load(moe[kind])
    routers = find_routers(model)
    assert len(routers) == 2
    torch.manual_seed(0)
    ids = torch.randint(3, 300, (3, 12))
    am = torch.ones_like(ids)
    am[1, :4] = 0  # a left-padded row
    with torch.no_grad(), RouteRecorder(routers) as rec:
        model(input_ids=ids, attention_mask=am)
    recorded = rec.tokens(0).view(3, 12, 2, 2)
    recorded[~am.bool()] = -1
    with torch.no_grad():  # an "update": the routers move, so free routing changes
        for r in routers:
            r.weight.add_(torch.randn_like(r.weight) * 0.5)
    seen, handles = _experts_seen(model)
    with torch.no_grad():
        model(input_ids=ids, attention_mask=am)
        with ReplayRoutes(routers, recorded):
            model(input_ids=ids, attention_mask=am)
    for h in handles:
        h.remove()
    on = recorded[..., 0, 0] >= 0
    free_differs = 0
    for layer in range(2):
        free, replayed = (seen[layer][c].view(3, 12, 2) for c in (0, 1))
        assert torch.equal(replayed[on].short(), recorded[:, :, layer][on])  # every recorded token, every layer
        assert torch.equal(replayed[~on], free[~on])  # no route recorded (padding): the router's own choice
        free_differs += int((free[on].sort(-1).values != recorded[:, :, layer][on].long().sort(-1).values).any(-1).sum())
    assert free_differs > 0  # without replay the moved routers pick other experts


@pytest.mark.parametrize("kind", KINDS)
def test_hf_engine_records_the_routes_it_generates_with(moe, kind):
    import torch

    from pipeline.rollout import SamplingConfig
    from pipeline.rollout.hf_backend import HFEngine

    engine = HFEngine(str(moe[kind]))
    assert engine.records_routes
    prompts = [engine.tokenizer("What is 2 + 3?")["input_ids"], engine.tokenizer("Alice is taller")["input_ids"]]
    out = engine.generate_ids(prompts, SamplingConfig(n=2, max_tokens=6, temperature=1.0, logprobs=True,
                                                      include_stop_token=True, seed=0))
    model = engine.model
    agree = total = 0
    for p, samples in zip(prompts, out):
        for s in samples:
            seq = torch.tensor([p + s.token_ids])
            assert s.routed_experts.shape == (seq.size(1), 2, 2)
            assert (s.routed_experts[: len(p)] >= 0).all()  # the prefill routed every prompt token
            with torch.no_grad(), RouteRecorder(find_routers(model)) as rec:
                model(input_ids=seq)
            have = s.routed_experts[:, 0, 0] >= 0
            same = (rec.tokens(0).sort(-1).values == s.routed_experts.sort(-1).values).all(-1).all(-1)
            agree, total = agree + int(same[have].sum()), total + int(have.sum())
    assert total > 20 and agree / total > 0.9  # positions line up: a teacher-forced pass routes (almost) the same


def test_batch_routes_layout():
    import torch

    a = torch.arange(5 * 1 * 2, dtype=torch.int16).view(5, 1, 2)  # 2 prompt + 3 completion tokens
    b = torch.arange(100, 100 + 4 * 1 * 2, dtype=torch.int16).view(4, 1, 2)  # 3 prompt + 1 completion token
    pm = torch.tensor([[0, 1, 1], [1, 1, 1]])
    cm = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0]])
    out = batch_routes([a, b, None][:2], pm, cm)
    assert out.shape == (2, 7, 1, 2)
    assert (out[0, 0] == -1).all() and torch.equal(out[0, 1:6], a) and (out[0, 6] == -1).all()
    assert torch.equal(out[1, :4], b) and (out[1, 4:] == -1).all()
    pairs, toks, n = route_mismatch(out, out.flip(-1), torch.ones(2, 7))
    assert (int(pairs), int(toks), int(n)) == (0, 0, 9)  # the same expert set in another order is no mismatch
    other = out.clone()
    other[0, 2, 0, 0] = 99
    assert [int(x) for x in route_mismatch(out, other, torch.ones(2, 7))] == [1, 1, 9]


def test_fit_and_vllm_layout():
    import numpy as np
    import torch

    r = torch.ones(3, 2, 2, dtype=torch.int16)
    assert fit_routes(r, 5)[3:].eq(-1).all() and fit_routes(r, 2).shape == (2, 2, 2)
    v = routes_from_vllm(np.arange(24).reshape(6, 2, 2), 7)  # vLLM: [seq_len, layers, top_k]
    assert v.shape == (7, 2, 2) and v[5, 1, 1] == 23 and (v[6] == -1).all()


def test_source_resolution_and_config():
    from pipeline.config import parse_config
    from pipeline.errors import ConfigError

    assert resolve_source("auto", True) == "engine" and resolve_source("auto", False) == "trainer"
    assert resolve_source("off", True) == "off" and resolve_source("trainer", True) == "trainer"
    with pytest.raises(ConfigError, match="grpo.keep_routing"):
        resolve_source("engine", False, "vllm")
    cfg = parse_config({"model": "x", "grpo": {"keep_routing": "trainer"}})
    assert cfg.grpo.keep_routing.mode == "trainer" and cfg.grpo.keep_routing.check_every == 10
    assert parse_config({"model": "x"}).grpo.keep_routing.mode == "auto"
    with pytest.raises(ConfigError, match="grpo.keep_routing"):
        parse_config({"model": "x", "grpo": {"keep_routing": {"mode": "always"}}})


def test_dense_model_ignores_keep_routing(tiny_model, caplog):
    from pipeline.train.keep_routing_trainer import RoutingReplay

    with caplog.at_level(logging.INFO, logger="pipeline.train.keep_routing_trainer"):
        kr = RoutingReplay(_load(tiny_model), "trainer")
    assert not kr.active and kr.routers == []
    assert "dense" in caplog.text
    batch = {"prompt_mask": None}
    kr.attach(None, batch)
    assert "routed_experts" not in batch


def _trainer(model, out, source, rollout=None, **args):
    from datasets import Dataset
    from trl import GRPOConfig

    from pipeline.train.v32_loss import V32Loss, v32_trainer_class

    rows = [{"prompt": "What is 2 + 3?"}, {"prompt": "Alice is taller than Bob."}]
    kw = dict(output_dir=str(out), per_device_train_batch_size=4, num_generations=2, max_completion_length=8,
              max_steps=1, learning_rate=1e-3, beta=0.0, use_cpu=True, report_to=[], logging_steps=1,
              save_strategy="no", remove_unused_columns=False, temperature=1.0, disable_tqdm=True, seed=0, **args)

    def reward(completions, **_):
        return [float(len(str(c)) % 3) for c in completions]

    trainer = v32_trainer_class()(model=str(model), args=GRPOConfig(**kw), reward_funcs=[reward],
                                  train_dataset=Dataset.from_list(rows), rollout_func=rollout,
                                  v32=V32Loss(correction="none", keep_routing=source, routing_check_every=1))
    trainer.model.train()
    trainer.current_gradient_accumulation_steps = 1
    return trainer, [r for r in rows for _ in range(2)]


@pytest.mark.parametrize("source", ["trainer", "engine"])
def test_grpo_trainer_replays_the_batch_routes(moe, tmp_path, source):
    """The generation batch carries routes (trainer: its own sampling-time pass; engine: the HF rollout's);
    after the policy moves, the loss's forward uses exactly those experts and logs the mismatch it avoided."""
    import torch

    from pipeline.rollout import SamplingConfig
    from pipeline.rollout.hf_backend import HFEngine
    from pipeline.train.rl_rollout import EngineRollout

    rollout = (EngineRollout(HFEngine(str(moe["qwen3_moe"])), SamplingConfig(max_tokens=8, temperature=1.0))
               if source == "engine" else None)
    trainer, inputs = _trainer(moe["qwen3_moe"], tmp_path, source, rollout=rollout)
    assert trainer.keep_routing.source == source
    batch = trainer._generate_and_score_completions(inputs)
    routes = batch["routed_experts"]
    T = batch["prompt_ids"].size(1) + batch["completion_ids"].size(1)
    assert routes.shape == (4, T, 2, 2) and "routing_source_logps" in batch
    attention = torch.cat([batch["prompt_mask"], batch["completion_mask"]], 1).bool()
    assert (routes[~attention] == -1).all() and (routes[attention][:, 0, 0] >= 0).float().mean() > 0.9
    model = trainer.model
    with torch.no_grad():  # one "update": the policy's routers move away from the sampling-time policy
        for r in find_routers(model):
            r.weight.add_(torch.randn_like(r.weight) * 0.5)
    seen, handles = _experts_seen(model)
    trainer._compute_loss(model, batch).backward()
    for h in handles:
        h.remove()
    on = routes[..., 0, 0] >= 0
    for layer in range(2):
        used = seen[layer][0].view(4, T, 2)  # the loss's forward (the side pass without replay runs after it)
        assert torch.equal(used[on].short(), routes[:, :, layer][on])
    m = trainer._metrics["train"]
    assert m["keep_routing/route_mismatch"][-1] > 0 and m["keep_routing/token_mismatch"][-1] > 0
    assert m["keep_routing/logp_gap_replay"][-1] < m["keep_routing/logp_gap_free"][-1]
