"""Shared fixtures: a tiny locally built Llama model (session-scoped) and env for vLLM on CPU."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", seed=0)


@pytest.fixture(scope="session")
def tiny_model_b(tmp_path_factory) -> Path:
    """A second tiny model with the same architecture and different weights."""
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny_b") / "model", seed=1)


@pytest.fixture(scope="session")
def vllm_engines():
    """``get(model, max_model_len, dtype)``: in-process vLLM engines built once per session and closed only at
    its end. Closing an in-process engine tears down vLLM's global parallel state, which breaks every
    other engine still alive in the process, so test modules share these instead of closing their own."""
    from pipeline.rollout import build_engine

    engines = {}

    def get(model, max_model_len: int = 512, dtype: str = "auto"):
        key = (str(model), max_model_len, dtype)
        if key not in engines:
            engines[key] = build_engine(str(model), backend="vllm", max_model_len=max_model_len, dtype=dtype)
        return engines[key]

    yield get
    for engine in engines.values():
        engine.close()


@pytest.fixture(scope="session")
def vllm_engine(tiny_model, vllm_engines):
    return vllm_engines(tiny_model)


@pytest.fixture(scope="module")
def ray_local():
    """A loopback-only local Ray runtime for one test module (reused if one is already up)."""
    import ray

    started = not ray.is_initialized()
    if started:
        ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2, log_to_driver=False)
    yield ray
    if started:
        ray.shutdown()
