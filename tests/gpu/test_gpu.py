"""On a GPU: bf16 generation and GRPO steps run on CUDA and change the policy's parameters.

    pytest -m gpu tests/gpu            # scripts/gpu_check.sh runs this after bench.gpu_check
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.gpu


def test_bf16_generate_on_cuda(tiny_model):
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.bfloat16).cuda()
    ids = torch.tensor([[1, 5, 9, 12]], device="cuda")
    out = model.generate(ids, max_new_tokens=8, do_sample=True, pad_token_id=0)
    assert out.device.type == "cuda" and out.shape[1] > ids.shape[1]
    assert next(model.parameters()).dtype == torch.bfloat16


def test_grpo_step_on_cuda_changes_params(tmp_path, tiny_model):
    import torch
    from trl import GRPOTrainer

    from pipeline.config import PipelineConfig
    from pipeline.train.grpo import RLJob, grpo_args, rl_dataset

    cfg = PipelineConfig(model=str(tiny_model), domains=["math"], logging={"report_to": []})
    rows = [{"id": str(i), "domain": "math", "prompt": f"What is {i}+{i}?", "answer": str(2 * i), "mode": "non_thinking"}
            for i in range(4)]
    job = RLJob(model=str(tiny_model), rows=rows, out_dir=tmp_path, steps=2, group_size=4, prompts_per_step=1,
                learning_rate=1e-2, max_tokens=8, beta=0.0, save_steps=100)
    args = grpo_args(cfg, job)
    assert args.bf16 and not args.use_cpu
    args.model_init_kwargs = {"dtype": torch.bfloat16}

    def reward(prompts, completions, **kw):
        return [float(len(str(c))) for c in completions]

    trainer = GRPOTrainer(model=job.model, args=args, reward_funcs=[reward], train_dataset=rl_dataset(job))
    before = {k: v.detach().float().cpu().clone() for k, v in trainer.model.named_parameters()}
    trainer.train()
    assert next(trainer.model.parameters()).device.type == "cuda"
    changed = [k for k, v in trainer.model.named_parameters() if not torch.equal(before[k], v.detach().float().cpu())]
    assert changed, "no parameter changed after two GRPO steps on CUDA"
