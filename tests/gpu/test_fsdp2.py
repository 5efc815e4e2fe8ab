"""On a GPU: the accelerate/Trainer FSDP2 path (training.fsdp) with a world of 1, end to end.

    pytest -m gpu tests/gpu/test_fsdp2.py

FSDP2 needs a process group even for one GPU: the test sets the torchrun variables (RANK, WORLD_SIZE, ...) on
loopback. It checks what the CPU tests cannot (accelerate does not shard on CPU, DESIGN.md): TrainingArguments from
``fsdp_args`` make accelerate wrap the policy with ``fully_shard`` (parameters become DTensors), two GRPO steps run,
``iter_policy_weights`` streams the gathered weights under the HF names, and the checkpoint saved through
``save_checkpoint`` (every rank gathers, rank 0 writes) reloads to the trained model's logits.
"""
from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.gpu


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_grpo_with_fsdp2_on_one_gpu(tmp_path, tiny_model, monkeypatch):
    import torch
    from transformers import AutoModelForCausalLM
    from trl import GRPOTrainer

    from pipeline.config import PipelineConfig
    from pipeline.train.checkpoint import save_checkpoint
    from pipeline.train.grpo import RLJob, grpo_args, rl_dataset
    from pipeline.train.sharded_save import is_sharded
    from pipeline.train.weights import iter_policy_weights

    for key, value in {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "RANK": "0", "WORLD_SIZE": "1",
                       "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "1"}.items():
        monkeypatch.setenv(key, value)
    cfg = PipelineConfig(model=str(tiny_model), domains=["math"], logging={"report_to": []},
                         training={"fsdp": {"enabled": True, "transformer_layer_cls_to_wrap": ["LlamaDecoderLayer"]}})
    rows = [{"id": str(i), "domain": "math", "prompt": f"What is {i}+{i}?", "answer": str(2 * i), "mode": "non_thinking"}
            for i in range(4)]
    job = RLJob(model=str(tiny_model), rows=rows, out_dir=tmp_path, steps=2, group_size=4, prompts_per_step=1,
                learning_rate=1e-2, max_tokens=8, beta=0.0, save_steps=100)
    args = grpo_args(cfg, job)
    assert args.fsdp_config["version"] == 2

    def reward(prompts, completions, **kw):
        return [float(len(str(c))) for c in completions]

    trainer = GRPOTrainer(model=job.model, args=args, reward_funcs=[reward], train_dataset=rl_dataset(job))
    trainer.train()
    assert trainer.is_fsdp_enabled
    model = trainer.accelerator.unwrap_model(trainer.model)
    assert is_sharded(model), "accelerate did not shard the policy with FSDP2"
    base = AutoModelForCausalLM.from_pretrained(tiny_model).state_dict()
    streamed = {name: t.float().cpu() for name, t in iter_policy_weights(model)}
    assert list(streamed) == list(base)
    assert any(not torch.equal(streamed[k], base[k]) for k in base), "two GRPO steps at lr 1e-2 changed nothing"
    saved = save_checkpoint(trainer, tmp_path / "out")
    reloaded = AutoModelForCausalLM.from_pretrained(saved["checkpoint"]).state_dict()
    assert all(torch.allclose(reloaded[k].float(), streamed[k], atol=1e-6) for k in streamed)
    ids = torch.tensor([[1, 5, 9, 12]], device="cuda")
    with torch.no_grad():
        trained = model(ids).logits.float().cpu()
        again = AutoModelForCausalLM.from_pretrained(saved["checkpoint"]).cuda()(ids).logits.float().cpu()
    torch.testing.assert_close(again, trained, rtol=2e-2, atol=2e-2)  # bf16 autocast in the trained forward
