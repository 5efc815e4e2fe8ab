"""The prompt builder honours each model's own chat template: a template that rejects a system role
(Gemma-style), a thinking switch (Qwen3's enable_thinking) and a native tool template. Real tokenizer
folders built from the tiny Llama (tests/tiny_templates.py), rendered by transformers."""
from __future__ import annotations

import pytest

from pipeline.rollout.templates import SYSTEM_PROMPTS, render, template_traits
from pipeline.rollout.tool_calls import TOOLS_HEADER, tools_system_prompt
from tests.tiny_templates import TEMPLATES, with_template

PROMPT = "What is 2 + 3?"


@pytest.fixture(scope="module")
def tok(tiny_model, tmp_path_factory):
    from transformers import AutoTokenizer

    def get(kind):
        folder = with_template(tiny_model, tmp_path_factory.mktemp(kind) / "model", TEMPLATES[kind]) if kind else tiny_model
        return AutoTokenizer.from_pretrained(str(folder))

    return get


def test_traits_are_probed_from_the_template(tok):
    assert template_traits(tok(None)) == template_traits(tok(None)) and template_traits(tok(None)).system_role
    assert not template_traits(tok("no_system")).system_role
    assert template_traits(tok("thinking_switch")).thinking_switch
    assert template_traits(tok("native_tools")).native_tools and not template_traits(tok(None)).native_tools


def test_system_role_rejecting_template_gets_system_merged_into_first_user_turn(tok):
    t = tok("no_system")
    with pytest.raises(Exception, match="System role not supported"):  # the template really rejects it
        t.apply_chat_template([{"role": "system", "content": "x"}, {"role": "user", "content": "y"}], tokenize=False)
    text, prefill = render(t, PROMPT, "thinking")
    assert "<|im_start|>system" not in text and prefill == "<think>\n"
    assert f"<|im_start|>user\n{SYSTEM_PROMPTS['thinking']}\n\n{PROMPT}<|im_end|>" in text
    plain, _ = render(tok(None), PROMPT, "thinking")  # a template with a system role keeps it
    assert f"<|im_start|>system\n{SYSTEM_PROMPTS['thinking']}<|im_end|>" in plain


def test_thinking_switch_follows_the_mode(tok):
    t = tok("thinking_switch")
    off, _ = render(t, PROMPT, "non_thinking")
    on, prefill = render(t, PROMPT, "thinking")
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert on.endswith("<|im_start|>assistant\n<think>\n") and prefill == "<think>\n"
    # ready-made messages (the RL rollout renders with mode=None): the system prompt names the mode
    msgs = [{"role": "system", "content": SYSTEM_PROMPTS["non_thinking"]}, {"role": "user", "content": PROMPT}]
    assert render(t, msgs, None)[0].endswith("<think>\n\n</think>\n\n")
    msgs[0]["content"] = SYSTEM_PROMPTS["thinking"]
    assert render(t, msgs, None)[0].endswith("<|im_start|>assistant\n")


def test_native_tool_template_gets_the_tools_and_no_text_list(tok):
    from experts.tools import search

    system = tools_system_prompt(SYSTEM_PROMPTS["thinking"], [search])
    msgs = [{"role": "system", "content": system}, {"role": "user", "content": "Who founded Brevel Corp?"}]
    native, _ = render(tok("native_tools"), msgs, None, tools=[search])
    assert "# Tools\n<tools>\n" in native and '"name": "search"' in native and TOOLS_HEADER not in native
    assert native.startswith(f"<|im_start|>system\n{SYSTEM_PROMPTS['thinking']}\n\n# Tools")
    text, _ = render(tok(None), msgs, None, tools=[search])  # no native support: the text protocol stays
    assert TOOLS_HEADER in text and "<tools>" not in text


def test_hf_engine_generates_with_a_system_rejecting_template(tiny_model, tmp_path):
    from pipeline.rollout import SamplingConfig, build_engine

    folder = with_template(tiny_model, tmp_path / "gemma_like", TEMPLATES["no_system"])
    engine = build_engine(str(folder), backend="hf")
    try:
        out = engine.generate([PROMPT], SamplingConfig(max_tokens=4, temperature=0.0), mode="non_thinking")
    finally:
        engine.close()
    assert SYSTEM_PROMPTS["non_thinking"] in out[0].prompt_text and len(out[0].samples[0].token_ids) >= 1
