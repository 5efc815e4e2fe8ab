"""SFT on agentic samples trains on what the model wrote, not on tool outputs: the labels TRL builds
from our tokenisation are -100 on the prompt and inside every <tool_response> block."""
from __future__ import annotations

import pytest

from pipeline.rollout.templates import SYSTEM_PROMPTS
from pipeline.rollout.tool_calls import tool_response
from pipeline.train.sft_tokens import tokenize_row, tokenize_rows

TOOL_OUT = "Brevel Corp was founded by Ilsa Marrow in 1931."
ANSWER = ('<think>\nI should search.\n</think> <tool_call>{"name": "search", "arguments": {"query": "Brevel"}}'
          '</tool_call>' + tool_response(TOOL_OUT) + "The founder is \\boxed{Ilsa Marrow}.")
PROMPT = [{"role": "system", "content": SYSTEM_PROMPTS["thinking"]}, {"role": "user", "content": "Who founded Brevel?"}]


@pytest.fixture(scope="module")
def tok(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model))


def _split(tok, row):
    trained = tok.decode([t for t, m in zip(row["input_ids"], row["completion_mask"]) if m])
    masked = tok.decode([t for t, m in zip(row["input_ids"], row["completion_mask"]) if not m])
    return trained, masked


def test_tool_output_and_prompt_are_masked(tok):
    row = tokenize_row(tok, PROMPT, [{"role": "assistant", "content": ANSWER}])
    assert len(row["input_ids"]) == len(row["completion_mask"])
    trained, masked = _split(tok, row)
    assert TOOL_OUT not in trained and "<tool_response>" not in trained
    assert TOOL_OUT in masked and "Who founded Brevel?" in masked and SYSTEM_PROMPTS["thinking"] in masked
    assert '<tool_call>{"name": "search"' in trained and "\\boxed{Ilsa Marrow}" in trained and "I should search" in trained


def test_sample_without_tools_trains_on_the_whole_answer(tok):
    trained, masked = _split(tok, tokenize_row(tok, PROMPT, [{"role": "assistant", "content": "The answer is 4."}]))
    assert trained.startswith("The answer is 4.") and "The answer" not in masked


def test_trl_builds_labels_from_the_mask(tiny_model, tok, tmp_path):
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    ds = tokenize_rows(Dataset.from_list([{"prompt": PROMPT, "completion": [{"role": "assistant", "content": ANSWER}]}]), tok)
    args = SFTConfig(output_dir=str(tmp_path), completion_only_loss=True, max_length=512, use_cpu=True,
                     report_to=[], max_steps=1)
    trainer = SFTTrainer(model=str(tiny_model), args=args, train_dataset=ds, processing_class=tok)
    ex = trainer.train_dataset[0]
    expected = [t if m else -100 for t, m in zip(ds[0]["input_ids"], ds[0]["completion_mask"])]
    assert ex["labels"] == expected
    assert TOOL_OUT not in tok.decode([t for t in ex["labels"] if t != -100])
