"""FSDP2 (raw ``fully_shard``) on 2 gloo processes: streamed weights equal the unsharded model's, and the
gathered checkpoint reloads to the same logits, for full fine-tuning and for LoRA (merged from the
gathered matrices). DESIGN.md: accelerate's FSDP path does not run on CPU; its test is tests/gpu/test_fsdp2.py.
"""
from __future__ import annotations

import json


def test_fsdp2_stream_and_save_on_two_gloo_ranks(tmp_path, tiny_model):
    import torch.multiprocessing as mp

    from tests.fsdp_workers import stream_and_save

    out = tmp_path / "out"
    out.mkdir()
    mp.spawn(stream_and_save, args=(2, str(tmp_path / "init"), str(tiny_model), str(out)), nprocs=2, join=True)
    for rank in (0, 1):
        results = json.loads((out / f"rank{rank}.json").read_text())
        for kind, r in results.items():
            assert r["sharded_params"] > 0, (kind, rank)  # the parameters really were DTensor shards
            assert r["names_equal"] and not r["mismatched"], (kind, rank, r["mismatched"])
            assert r["max_err"] <= 1e-5 and r["sharded_vs_ref"] <= 1e-4, (kind, rank, r)
    r0 = json.loads((out / "rank0.json").read_text())
    assert r0["full"]["reloaded_vs_ref"] <= 1e-5, r0["full"]
    assert r0["lora"]["reloaded_vs_ref"] <= 1e-4, r0["lora"]
    assert "adapter_model.safetensors" in r0["lora"]["adapter_files"]
    assert (out / "full" / "checkpoint" / "model.safetensors").exists()
    assert not (out / "full" / ".checkpoint.tmp").exists()
