"""Hub downloads keep what models need: the chat template in chat_template.jinja, and with
trust_remote_code the repo's own code. The hub cannot be reached here, so the download's file
filter is applied (with huggingface_hub's own matcher) to a real tiny model folder."""
from __future__ import annotations

import shutil

from pipeline.models import HUB_PATTERNS, hub_patterns, load_kwargs


def _download_like_the_hub(src, dst, patterns):
    from huggingface_hub.utils import filter_repo_objects

    files = [p.name for p in src.iterdir() if p.is_file()]
    dst.mkdir()
    for name in filter_repo_objects(files, allow_patterns=list(patterns)):
        shutil.copy(src / name, dst / name)
    return dst


def test_chat_template_jinja_survives_the_hub_download(tiny_model, tmp_path):
    from transformers import AutoTokenizer

    assert (tiny_model / "chat_template.jinja").is_file()  # transformers 5 keeps the template there
    kept = _download_like_the_hub(tiny_model, tmp_path / "kept", HUB_PATTERNS)
    assert AutoTokenizer.from_pretrained(str(kept)).chat_template == (tiny_model / "chat_template.jinja").read_text()
    old = _download_like_the_hub(tiny_model, tmp_path / "old", ["*.json", "*.safetensors", "*.model", "*.txt"])
    assert AutoTokenizer.from_pretrained(str(old)).chat_template is None  # what the old patterns lost


def test_trust_remote_code_downloads_code_and_is_passed_on(tiny_model, tmp_path):
    (src := tmp_path / "repo").mkdir()
    for f in tiny_model.iterdir():
        shutil.copy(f, src / f.name)
    (src / "modeling_custom.py").write_text("# the repo's own modelling code\n")
    assert not (_download_like_the_hub(src, tmp_path / "plain", hub_patterns()) / "modeling_custom.py").exists()
    assert (_download_like_the_hub(src, tmp_path / "trusted", hub_patterns(True)) / "modeling_custom.py").exists()
    assert load_kwargs(True) == {"trust_remote_code": True} and load_kwargs(False) == {}


def test_remote_code_model_loads_only_with_trust_remote_code(tiny_model, tmp_path):
    from pipeline.rollout.hf_backend import HFEngine
    from tests.tiny_remote_code import with_remote_code

    folder = with_remote_code(tiny_model, tmp_path / "custom")
    try:
        HFEngine(str(folder))
    except ValueError as e:
        assert "trust_remote_code" in str(e)
    else:
        raise AssertionError("a model with custom code loaded without trust_remote_code")
    engine = HFEngine(str(folder), trust_remote_code=True)
    assert type(engine.model).__name__ == "TinyCustomForCausalLM" and engine.model.loaded_from_remote_code
