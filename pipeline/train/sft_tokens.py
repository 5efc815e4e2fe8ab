"""Tokenise SFT rows ourselves so the loss mask can leave out tool outputs.

TRL's SFTTrainer masks the prompt of a prompt/completion row (``completion_only_loss``), but an
agentic answer also holds tool results the model never wrote: the rollout appends
``<tool_response>...</tool_response>`` inside the assistant turn (``pipeline/rollout/tool_calls.py``).
Training on them would teach the model to hallucinate tool output, so they are masked like the
prompt. Each row becomes ``input_ids`` + ``completion_mask`` (1 = a token the model wrote), which
TRL turns into labels (-100 elsewhere), truncates and packs as usual.

The text is the tokenizer's chat template over prompt + completion, with the same template
handling as rollouts (``pipeline/rollout/templates.py``: system merged into the user turn for templates
without a system role; ``enable_thinking`` per row mode for templates with a thinking switch).
Token/character alignment uses the fast tokenizer's offsets, so a token belongs to the span in
which it starts.

    ds = tokenize_rows(prompt_completion_ds, tokenizer)   # columns: input_ids, completion_mask
"""
from __future__ import annotations

import re
from typing import Any

from ..rollout.templates import Messages, fit_messages, mode_of, template_traits

TOOL_SPAN = re.compile(r"<tool_response>.*?(?:</tool_response>|$)", re.S)


def _template_kwargs(tokenizer: Any, prompt: Messages) -> dict[str, Any]:
    traits = template_traits(tokenizer)
    return {"enable_thinking": mode_of(prompt) == "thinking"} if traits.thinking_switch else {}


def tokenize_row(tokenizer: Any, prompt: Messages, completion: Messages) -> dict[str, list[int]]:
    """``input_ids`` of the templated conversation and its loss mask (completion minus tool output)."""
    traits = template_traits(tokenizer)
    kw = _template_kwargs(tokenizer, prompt)
    head = fit_messages(list(prompt), traits)
    prompt_text = tokenizer.apply_chat_template(head, tokenize=False, add_generation_prompt=True, **kw)
    full = tokenizer.apply_chat_template(fit_messages(list(prompt) + list(completion), traits), tokenize=False, **kw)
    if not full.startswith(prompt_text):
        raise ValueError("the chat template renders the prompt differently inside the full conversation; "
                         "cannot tell prompt tokens from completion tokens")
    spans = [(m.start(), m.end()) for m in TOOL_SPAN.finditer(full, len(prompt_text))]
    enc = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    mask = [int(start >= len(prompt_text) and not any(a <= start < b for a, b in spans))
            for start, _ in enc["offset_mapping"]]
    return {"input_ids": list(enc["input_ids"]), "completion_mask": mask}


def tokenize_rows(ds: Any, tokenizer: Any) -> Any:
    """A prompt/completion datasets.Dataset as ``input_ids`` + ``completion_mask`` (TRL's processed form)."""
    return ds.map(lambda row: tokenize_row(tokenizer, row["prompt"], row["completion"]),
                  remove_columns=ds.column_names)
