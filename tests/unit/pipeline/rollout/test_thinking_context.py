"""V3.2 thinking context, the same in rollout/eval prompts (render) and SFT training text
(tokenize_row): earlier reasoning goes only once a new user message arrives; tool calls and
results stay."""
from __future__ import annotations

from pipeline.rollout.templates import drop_previous_reasoning, render
from pipeline.train.sft_tokens import tokenize_row

CALL = '<tool_call>{"name": "search", "arguments": {"q": "x"}}</tool_call>'
TURN = f"<think>\nfind it first\n</think>{CALL}<tool_response>found X</tool_response><think>so X</think> It is X."


def _conv(new_user: bool):
    conv = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": TURN},
            {"role": "tool", "content": "tool says hi"}]
    return conv + [{"role": "user", "content": "q2"}] if new_user else conv


def test_reasoning_dropped_only_after_a_new_user_message(tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    kept, _ = render(tok, _conv(new_user=False))
    assert "find it first" in kept and "so X" in kept  # same multi-turn episode: reasoning stays
    dropped, _ = render(tok, _conv(new_user=True))
    assert "find it first" not in dropped and "so X" not in dropped and "<think>" not in dropped
    for stays in (CALL, "<tool_response>found X</tool_response>", "It is X.", "tool says hi", "q2"):
        assert stays in dropped


def test_training_text_follows_the_same_rule(tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    answer = [{"role": "assistant", "content": "<think>new reasoning</think> Final."}]
    row = tokenize_row(tok, _conv(new_user=True), answer)
    text = tok.decode(row["input_ids"])
    assert "find it first" not in text and CALL in text and "new reasoning" in text  # the trained turn keeps its own
    assert text == tok.decode(tok(render(tok, _conv(new_user=True))[0] + answer[0]["content"] + "<|im_end|>\n",
                                  add_special_tokens=False)["input_ids"])


def test_reasoning_field_and_prefilled_turns():
    conv = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "r</think> a", "reasoning_content": "r"},
            {"role": "user", "content": "q2"}]
    out = drop_previous_reasoning(conv)
    assert out[1] == {"role": "assistant", "content": "a"} and out[2] == conv[2]
