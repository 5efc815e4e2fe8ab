"""Tokenizer folders that reproduce hub models' chat-template cases, on the tiny Llama (no hub).

Each template is written here (not copied from any model): the structure of each case is what
matters to the prompt builder.

- ``NO_SYSTEM``: rejects a system role with ``raise_exception`` (Gemma-style);
- ``THINKING_SWITCH``: reads ``enable_thinking`` and, when it is false, closes an empty
  ``<think></think>`` block in the generation prompt (Qwen3-style);
- ``NATIVE_TOOLS``: renders the ``tools`` it is given into the system turn (Hermes/Qwen-style).

The tiny model's own template lives in ``chat_template.jinja`` (transformers 5 writes it there),
which is also the hub-download case the ``*.jinja`` pattern keeps.
"""
from __future__ import annotations

import shutil
from pathlib import Path

_TURNS = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>\\n' }}{% endfor %}")
_GEN = "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

NO_SYSTEM = ("{% for message in messages %}{% if message['role'] == 'system' %}"
             "{{ raise_exception('System role not supported') }}{% endif %}{% endfor %}" + _TURNS + _GEN)

THINKING_SWITCH = (_TURNS + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
                   "{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\\n\\n</think>\\n\\n' }}"
                   "{% endif %}{% endif %}")

NATIVE_TOOLS = (
    "{% set ns = namespace(rest=messages) %}"
    "{% if tools %}{{ '<|im_start|>system\\n' }}"
    "{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] + '\\n\\n' }}"
    "{% set ns.rest = messages[1:] %}{% endif %}"
    "{{ '# Tools\\n<tools>\\n' }}{% for tool in tools %}{{ tool | tojson }}{{ '\\n' }}{% endfor %}"
    "{{ '</tools>\\nReply with <tool_call>{\"name\": <name>, \"arguments\": <args>}</tool_call><|im_end|>\\n' }}"
    "{% endif %}"
    "{% for message in ns.rest %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>\\n' }}{% endfor %}" + _GEN)

TEMPLATES = {"no_system": NO_SYSTEM, "thinking_switch": THINKING_SWITCH, "native_tools": NATIVE_TOOLS}


def with_template(base: Path, out: Path, template: str) -> Path:
    """A copy of the tiny model folder ``base`` whose ``chat_template.jinja`` is ``template``."""
    out = Path(out)
    if not (out / "config.json").exists():
        shutil.copytree(base, out, dirs_exist_ok=True)
        (out / "chat_template.jinja").write_text(template)
    return out
