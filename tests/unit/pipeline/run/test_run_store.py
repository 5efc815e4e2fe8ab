"""The run directory as an fsspec URL (pipeline/run/run_store.py), against a real fsspec filesystem: a
``file://`` URL to a separate temp folder is the "remote", going through the generic fsspec sync
path (only an output_dir without ``://`` is used as a plain local folder)."""
from __future__ import annotations

import json

import pytest

from pipeline.cli import main
from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.run.manifest import read_manifest, stage_dir, write_manifest
from pipeline.run.run_store import RUN_DIR_TOKEN, RunStore, check_output_dir, is_remote


def _fake_stage(run_dir, name: str, config_hash: str = "h1") -> None:
    folder = stage_dir(run_dir, name)
    (folder / "checkpoint").mkdir(parents=True)
    (folder / "checkpoint" / "config.json").write_text('{"vocab_size": 7}')
    (folder / "train_log.jsonl").write_text('{"step": 1}\n')
    write_manifest(run_dir, name, status="complete", config_hash=config_hash,
                   outputs={"checkpoint": str(folder / "checkpoint"), "train_log": str(folder / "train_log.jsonl"),
                            "note": "not a path"})


def test_push_wipe_pull_gives_valid_manifests_and_paths(tmp_path):
    url = f"file://{tmp_path / 'bucket' / 'runs' / 'x'}"
    node_a = RunStore.for_output_dir(url, str(tmp_path / "staging_a"))
    assert node_a.remote and is_remote(url) and node_a.local.parent == tmp_path / "staging_a"
    _fake_stage(node_a.local, "expert:math")
    node_a.push_stage("expert:math")

    remote = tmp_path / "bucket" / "runs" / "x" / "expert_math"
    assert (remote / "checkpoint" / "config.json").read_text() == '{"vocab_size": 7}'
    raw = json.loads((remote / "manifest.json").read_text())
    assert raw["outputs"]["checkpoint"] == f"{RUN_DIR_TOKEN}/expert_math/checkpoint"  # no node-local path remotely
    assert raw["outputs"]["note"] == "not a path" and str(node_a.local) not in (remote / "manifest.json").read_text()
    assert node_a.is_complete("expert:math", "h1") and not node_a.is_complete("expert:math", "other")

    # Another node (a different staging folder), e.g. the distill stage's: pulls the complete upstream stage.
    node_b = RunStore.for_output_dir(url, str(tmp_path / "staging_b"))
    assert node_b.pull_complete(["expert"]) == ["expert:math"]
    m = read_manifest(node_b.local, "expert:math")
    assert m["status"] == "complete" and m["outputs"]["checkpoint"] == str(stage_dir(node_b.local, "expert:math") / "checkpoint")
    assert (stage_dir(node_b.local, "expert:math") / "checkpoint" / "config.json").is_file()
    assert json.loads((stage_dir(node_b.local, "expert:math") / "train_log.jsonl").read_text())["step"] == 1
    assert node_b.pull_complete(["expert"]) == []  # up to date: nothing pulled twice
    assert node_b.pull_complete(["distill"]) == []  # only the kinds asked for

    # Wipe node A's staging folder: the same pull restores it.
    import shutil

    shutil.rmtree(node_a.local)
    assert node_a.pull_complete(["expert"]) == ["expert:math"]
    assert read_manifest(node_a.local, "expert:math") == json.loads(
        (stage_dir(node_a.local, "expert:math") / "manifest.json").read_text())
    assert read_manifest(node_a.local, "expert:math")["outputs"]["checkpoint"].startswith(str(node_a.local))


def test_push_replaces_remote_folder_and_writes_manifest_last(tmp_path):
    url = f"file://{tmp_path / 'remote'}"
    store = RunStore.for_output_dir(url, str(tmp_path / "staging"))
    _fake_stage(store.local, "sft")
    store.push_stage("sft")
    # A rerun of the stage changed its files; the stale remote file goes, the new manifest lands last.
    folder = stage_dir(store.local, "sft")
    (folder / "train_log.jsonl").unlink()
    (folder / "new.txt").write_text("new")
    write_manifest(store.local, "sft", status="complete", config_hash="h2")
    order = []
    real_put, real_pipe = store.fs.put, store.fs.pipe_file
    store.fs.put = lambda *a, **k: (order.append("files"), real_put(*a, **k))[1]
    store.fs.pipe_file = lambda path, *a, **k: (order.append(path.rsplit("/", 1)[-1]), real_pipe(path, *a, **k))[1]
    try:
        store.push_stage("sft")
    finally:
        del store.fs.put, store.fs.pipe_file
    assert order == ["files", "manifest.json"]
    remote = tmp_path / "remote" / "sft"
    assert sorted(p.name for p in remote.rglob("*") if p.is_file()) == ["config.json", "manifest.json", "new.txt"]
    assert json.loads((remote / "manifest.json").read_text())["config_hash"] == "h2"


def test_incomplete_or_unpushed_stages(tmp_path):
    url = f"file://{tmp_path / 'remote'}"
    store = RunStore.for_output_dir(url, str(tmp_path / "staging"))
    assert store.pull_complete(["expert", "eval"]) == [] and not store.is_complete("eval", "h1")  # no remote yet
    write_manifest(store.local, "eval", status="running", config_hash="h1")
    assert not store.is_complete("eval", "h1")
    # Complete locally but the upload never happened (process killed): pushed, then counted complete.
    _fake_stage(store.local, "expert:logic")
    assert store.remote_manifest("expert:logic") is None
    assert store.is_complete("expert:logic", "h1")
    assert store.remote_manifest("expert:logic")["status"] == "complete"
    # Only the cache/ of a stage about to run without a local folder is pulled.
    (stage_dir(store.local, "eval") / "cache").mkdir()
    (stage_dir(store.local, "eval") / "cache" / "abc.json").write_text("{}")
    write_manifest(store.local, "eval", status="complete", config_hash="h1")
    store.push_stage("eval")
    fresh = RunStore.for_output_dir(url, str(tmp_path / "staging2"))
    fresh.pull_kept("eval")
    assert [p.name for p in stage_dir(fresh.local, "eval").rglob("*")] == ["cache", "abc.json"]


def test_local_paths_are_not_synced(tmp_path):
    store = RunStore.for_output_dir(str(tmp_path / "run"))
    assert not store.remote and store.local == tmp_path / "run"
    _fake_stage(store.local, "sft")
    store.push_stage("sft")  # no-op
    assert store.pull_complete(["sft"]) == [] and store.is_complete("sft", "h1")


@pytest.mark.parametrize("url, fragment", [
    ("nosuchproto://bucket/run", "unknown fsspec protocol 'nosuchproto'"),
    ("memory://run", "inside one process"),
    ("https://example.com/run", "read-only"),
])
def test_bad_output_dir_urls(url, fragment):
    with pytest.raises(ConfigError) as e:
        check_output_dir(url)
    assert e.value.path == "output_dir" and fragment in e.value.message


def test_missing_backend_names_the_package():
    from fsspec.registry import get_filesystem_class

    for protocol, package in (("s3", "s3fs"), ("gs", "gcsfs"), ("abfs", "adlfs"), ("oci", "ocifs")):
        try:
            get_filesystem_class(protocol)
        except ImportError:
            break
        except ValueError:  # a protocol this fsspec version does not know
            continue
    else:
        pytest.skip("every candidate fsspec backend is installed")
    with pytest.raises(ConfigError) as e:
        check_output_dir(f"{protocol}://bucket/runs/x")
    assert e.value.path == "output_dir" and f"pip install {package}" in e.value.message
    with pytest.raises(ConfigError, match="output_dir"):  # `posttrain validate` catches it too
        parse_config({"output_dir": f"{protocol}://bucket/runs/x", "domains": ["math"]})


def test_cli_rejects_bad_url_before_running(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("domains: [math]\nstages: [eval]\n")
    assert main(["run", str(cfg), "--output", "nosuchproto://bucket/run"]) == 2
    err = capsys.readouterr().err
    assert "output_dir" in err and "nosuchproto" in err
    assert not list(tmp_path.glob("nosuchproto*"))
