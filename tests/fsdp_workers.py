"""Worker bodies for the FSDP2-on-gloo tests (tests/integration/test_fsdp2_weights.py); a module of its own
so ``torch.multiprocessing.spawn`` can import them by name in the child processes."""
from __future__ import annotations

import copy
import json
from pathlib import Path


def _lora(model):
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)  # same adapter init on every rank
    peft = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "gate_proj"],
                                            lora_dropout=0.0))
    for name, p in peft.named_parameters():
        if "lora_B" in name:  # PEFT starts B at zero: give the adapter a real delta to merge
            torch.nn.init.normal_(p, std=0.5)
    return peft


def _shard(model, world: int) -> None:
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh("cpu", (world,))
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    for layer in base.model.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)


def _case(model_path: str, out: Path, world: int, lora: bool) -> dict:
    """Shard, stream, compare to the unsharded weights, save, reload, compare logits (rank 0 judges)."""
    import torch
    import torch.distributed as dist
    from torch.distributed.tensor import DTensor
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipeline.train.sharded_save import is_sharded, save_sharded
    from pipeline.train.weights import iter_policy_weights

    rank = dist.get_rank()
    model = AutoModelForCausalLM.from_pretrained(model_path)
    model = _lora(model) if lora else model
    ref = copy.deepcopy(model)
    ref = ref.merge_and_unload() if lora else ref
    want = ref.state_dict()
    _shard(model, world)
    assert is_sharded(model)
    shard_rows = {n: p.to_local().shape[0] for n, p in model.named_parameters() if isinstance(p, DTensor)}
    names, mismatched, max_err = [], [], 0.0
    for name, t in iter_policy_weights(model):
        names.append(name)
        err = (t.float() - want[name].float()).abs().max().item() if t.shape == want[name].shape else float("inf")
        max_err = max(max_err, err)
        if err > 1e-5:
            mismatched.append(name)
    ids = torch.tensor([[1, 5, 9, 12, 40, 7]])
    with torch.no_grad():
        sharded_logits = model(ids).logits
        ref_logits = ref(ids).logits
    tok = AutoTokenizer.from_pretrained(model_path)
    saved = save_sharded(model, tok, out, merge=True)
    result = {"rank": rank, "names_equal": names == list(want), "mismatched": mismatched, "max_err": max_err,
              "sharded_params": len(shard_rows), "saved": saved,
              "sharded_vs_ref": (sharded_logits - ref_logits).abs().max().item()}
    if rank == 0:
        reloaded = AutoModelForCausalLM.from_pretrained(saved["checkpoint"])
        with torch.no_grad():
            result["reloaded_vs_ref"] = (reloaded(ids).logits - ref_logits).abs().max().item()
        result["adapter_files"] = sorted(p.name for p in Path(saved.get("adapter", out / "none")).glob("*"))
    return result


def stream_and_save(rank: int, world: int, init_file: str, model_path: str, out_dir: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        results = {kind: _case(model_path, Path(out_dir) / kind, world, lora=kind == "lora")
                   for kind in ("full", "lora")}
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps(results))
    finally:
        dist.destroy_process_group()
