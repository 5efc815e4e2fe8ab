"""Build the reward router from a config: per-domain reward lists (config or expert defaults),
the sandbox, and the judge backend (in-process vLLM through a RolloutEngine, or OpenAI-compatible)."""
from __future__ import annotations

from typing import Any

from ..config import PipelineConfig
from ..paths import resolve_path


def reward_lists(cfg: PipelineConfig, domains: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    from experts.base import get_expert

    out = {}
    for d in domains or cfg.domains:
        out[d] = [s.model_dump() for s in cfg.rewards[d]] if d in cfg.rewards else [dict(e) for e in get_expert(d).rewards]
    return out


def _engine_generate(engine: Any, cfg: PipelineConfig):
    """The judge's ``generate`` over a RolloutEngine (greedy). When the engine supports structured
    outputs (vLLM), it also takes ``formats`` (one guided-decoding format per conversation, see
    rewards/judge_prompt.output_format): conversations are batched per distinct format, since
    one engine call shares one SamplingConfig."""
    import dataclasses
    import json

    from ..rollout import SamplingConfig

    sampling = SamplingConfig(n=1, max_tokens=cfg.judge.max_tokens, temperature=0.0)

    def generate(batch: list[list[dict[str, str]]]) -> list[str]:
        return [g.samples[0].text for g in engine.generate(batch, sampling)]

    def generate_guided(batch: list[list[dict[str, str]]], formats: list[dict[str, Any] | None] | None = None) -> list[str]:
        formats = formats or [None] * len(batch)
        groups: dict[str, list[int]] = {}
        for i, fmt in enumerate(formats):
            groups.setdefault(json.dumps(fmt, sort_keys=True), []).append(i)
        out: list[str] = [""] * len(batch)
        for key, idx in groups.items():
            params = dataclasses.replace(sampling, structured=json.loads(key))
            for i, g in zip(idx, engine.generate([batch[i] for i in idx], params)):
                out[i] = g.samples[0].text
        return out

    return generate_guided if getattr(engine, "supports_structured", False) else generate


def build_judge_backend(cfg: PipelineConfig, engine: Any = None) -> Any:
    from rewards.judge_backends import build_backend

    j = cfg.judge
    if j.backend == "openai" and j.serve:
        # The judge served from a Ray actor (pipeline/scoring/judge_server.py), shared by every router on this judge;
        # router.close() releases this router's lease and the last one stops the server. It is vLLM, so the
        # backend sends the judge's guided-decoding formats as vLLM's structured_outputs.
        from .judge_server import serve_judge

        lease = serve_judge(cfg)
        try:
            return build_backend("openai", base_url=lease.base_url, model=j.model, concurrency=j.concurrency,
                                 timeout_s=j.timeout_s, max_tokens=j.max_tokens, api_key=lease.api_key,
                                 structured_outputs=True, on_close=lease.close)
        except Exception:
            lease.close()
            raise
    if j.backend == "openai":
        return build_backend("openai", base_url=j.base_url, model=j.model, concurrency=j.concurrency,
                             timeout_s=j.timeout_s, max_tokens=j.max_tokens)
    same_model = engine is not None and j.model == cfg.model
    if same_model:
        return build_backend("callable", generate=_engine_generate(engine, cfg), model=j.model)
    from ..models import resolve_model
    from ..rollout import build_engine

    # The judge's own engine is closed with the router (router.close()): an in-process vLLM engine
    # left to the garbage collector tears down vLLM's global state under whichever engine runs then.
    own = build_engine(str(resolve_model(j.model, cfg.trust_remote_code)), backend=cfg.rollout.backend,
                       trust_remote_code=cfg.trust_remote_code,
                       max_model_len=cfg.rollout.max_model_len, kv_cache_gb=cfg.rollout.kv_cache_gb)
    return build_backend("callable", generate=_engine_generate(own, cfg), model=j.model, on_close=own.close)


def build_router(cfg: PipelineConfig, engine: Any = None, domains: list[str] | None = None) -> Any:
    from rewards.constitution import load_constitution
    from rewards.router import RewardRouter
    from rewards.sandbox import build_sandbox

    lists = reward_lists(cfg, domains)
    names = {e["name"] for entries in lists.values() for e in entries}
    deps: dict[str, Any] = {}
    if "code_tests" in names:
        s = cfg.sandbox
        deps["sandbox"] = build_sandbox(s.backend, **s.build_params())
    from rewards.constitution_penalty import JUDGE_REWARDS

    if names & set(JUDGE_REWARDS):
        deps.update(backend=build_judge_backend(cfg, engine), constitution=load_constitution(resolve_path(cfg.judge.constitution)),
                    guard=cfg.judge.guard)
    return RewardRouter(lists, **deps)


def expert_tools(cfg: PipelineConfig, domain: str) -> list[Any]:
    """The domain expert's tools for a rollout, with ``run_python`` bound to the run's sandbox
    (``cfg.sandbox``: backend, limits, isolation), built here so a missing required sandbox fails now."""
    from experts.base import get_expert
    from experts.tools.python_exec import make_run_python, run_python

    spec = get_expert(domain)
    tools = spec.tool_functions()
    if not any(t is run_python for t in tools):
        return tools
    return spec.tool_functions({"run_python": make_run_python(cfg.sandbox.backend, **cfg.sandbox.build_params())})
