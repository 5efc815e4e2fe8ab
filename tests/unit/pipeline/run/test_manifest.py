"""Stage manifests and the typed record later stages read of them."""
from __future__ import annotations

from pipeline.run.manifest import is_complete, read_record, stage_dir, write_manifest


def test_record_of_a_missing_stage_is_none(tmp_path):
    assert read_record(tmp_path, "sft") is None


def test_checkpoint_only_once_the_stage_is_complete(tmp_path):
    write_manifest(tmp_path, "expert:math", status="running", config_hash="h1", outputs={"checkpoint": "/ckpt"})
    r = read_record(tmp_path, "expert:math")
    assert (r.stage, r.status, r.complete, r.checkpoint) == ("expert:math", "running", False, None)
    assert not is_complete(tmp_path, "expert:math", "h1")
    write_manifest(tmp_path, "expert:math", status="complete", metrics={"reward_last": 0.5})
    r = read_record(tmp_path, "expert:math")
    assert (r.complete, r.checkpoint, r.metrics) == (True, "/ckpt", {"reward_last": 0.5})
    assert is_complete(tmp_path, "expert:math", "h1") and not is_complete(tmp_path, "expert:math", "h2")
    assert (stage_dir(tmp_path, "expert:math") / "manifest.json").is_file()


def test_dataset_and_stages_without_outputs(tmp_path):
    write_manifest(tmp_path, "distill", status="complete", outputs={"dataset": "/d"})
    write_manifest(tmp_path, "report", status="complete")
    assert read_record(tmp_path, "distill").dataset == "/d"
    report = read_record(tmp_path, "report")
    assert (report.outputs, report.checkpoint, report.dataset) == ({}, None, None)
