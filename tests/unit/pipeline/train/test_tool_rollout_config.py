"""Tool rollouts honour the config: the GRPO trainer's rollout gets rollout.max_tool_calls and a run_python
bound to cfg.sandbox; a tokenizer with a native tool template gets the tools in its own format."""
from __future__ import annotations

from pipeline.config import parse_config


def test_trainer_rollout_uses_configured_max_tool_calls_and_sandbox(tiny_model, tmp_path):
    from pipeline.rollout import build_engine
    from pipeline.scoring.reward_factory import build_router, expert_tools
    from pipeline.train.grpo import RLJob, build_trainer

    cfg = parse_config({"model": str(tiny_model), "output_dir": str(tmp_path), "domains": ["agentic_code"],
                        "rollout": {"max_tool_calls": 1, "max_tokens": 8},
                        "sandbox": {"timeout_s": 1.5, "memory_mb": 300}, "logging": {"report_to": []}})
    tools = expert_tools(cfg, "agentic_code")
    rows = [{"id": "r0", "domain": "agentic_code", "prompt": "Write add(a, b).", "mode": "non_thinking",
             "tests": "assert add(1, 2) == 3", "entry_point": "add"}] * 2
    job = RLJob(model=str(tiny_model), rows=rows, out_dir=tmp_path / "job", steps=1, group_size=2, prompts_per_step=1,
                learning_rate=1e-5, max_tokens=8, beta=0.0, tools={"agentic_code": tools})
    engine = build_engine(str(tiny_model), backend="hf")
    router = build_router(cfg, domains=["agentic_code"])
    try:
        rollout = build_trainer(cfg, job, router, engine).posttrain_rollout
    finally:
        router.close()
        engine.close()
    assert rollout.max_tool_calls == 1
    sb = rollout.tools["run_python"].sandbox
    assert (sb.timeout_s, sb.config.memory_mb) == (1.5, 300)
    assert "(timeout)" in rollout.tools["run_python"]("while True: pass")


def test_rl_rollout_renders_tools_natively_for_a_native_tool_template(tiny_model, tmp_path):
    from experts.tools import search
    from pipeline.rollout import SamplingConfig, build_engine
    from pipeline.rollout.tool_calls import TOOLS_HEADER
    from pipeline.train.grpo import rl_prompt
    from pipeline.train.rl_rollout import EngineRollout
    from tests.tiny_templates import TEMPLATES, with_template

    folder = with_template(tiny_model, tmp_path / "native", TEMPLATES["native_tools"])
    engine = build_engine(str(folder), backend="hf")
    try:
        rollout = EngineRollout(engine, SamplingConfig(max_tokens=4, temperature=0.0), tools={"search": search})
        msgs = rl_prompt({"prompt": "Who founded Brevel Corp?", "mode": "non_thinking"}, [search])
        track = rollout.generate([msgs])[0]
    finally:
        engine.close()
    prompt = engine.tokenizer.decode(track.prompt_ids)
    assert '"name": "search"' in prompt and "# Tools" in prompt and TOOLS_HEADER not in prompt
    assert track.tools == {"search"}  # the call protocol still knows which tools the row may call
