"""A tiny model folder whose config points at modelling code shipped in the folder (``auto_map``),
as hub repos with custom architectures do: loading it needs ``trust_remote_code=True``."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

CONFIGURATION = '''from transformers import LlamaConfig


class TinyCustomConfig(LlamaConfig):
    model_type = "tiny_custom"
'''

MODELING = '''from transformers import LlamaForCausalLM

from .configuration_tiny import TinyCustomConfig


class TinyCustomForCausalLM(LlamaForCausalLM):
    config_class = TinyCustomConfig
    loaded_from_remote_code = True
'''


def with_remote_code(base: Path, out: Path) -> Path:
    out = Path(out)
    if (out / "config.json").exists():
        return out
    shutil.copytree(base, out, dirs_exist_ok=True)
    (out / "configuration_tiny.py").write_text(CONFIGURATION)
    (out / "modeling_tiny.py").write_text(MODELING)
    cfg = json.loads((out / "config.json").read_text())
    cfg.update(model_type="tiny_custom", architectures=["TinyCustomForCausalLM"],
               auto_map={"AutoConfig": "configuration_tiny.TinyCustomConfig",
                         "AutoModelForCausalLM": "modeling_tiny.TinyCustomForCausalLM"})
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    return out
