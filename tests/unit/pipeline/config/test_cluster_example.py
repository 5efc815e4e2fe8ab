"""configs/cluster_8gpu.yaml validates, and every field it sets is used: each leaf is read somewhere in
pipeline/ outside the schema (static), and the training, sandbox and resource fields arrive in the real
TRL configs / sandbox params / Ray resources built from it (dynamic)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.config import load_config

ROOT = Path(__file__).resolve().parents[4]
CLUSTER = ROOT / "configs" / "cluster_8gpu.yaml"
# keys whose values are looked up by their own name (domain names, stage kinds) rather than read as attributes
KEYED = {"experts", "resources", "mixed.domains"}


def _leaves(node, prefix=""):
    for k, v in node.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and path not in KEYED:
            yield from _leaves(v, path + ".")
        elif isinstance(v, dict):
            for sub, val in v.items():
                yield from (_leaves(val, f"{path}.{sub}.") if isinstance(val, dict) else [(f"{path}.{sub}", val)])
        else:
            yield path, v


def test_cluster_example_validates_and_every_field_is_read_by_the_pipeline():
    load_config(CLUSTER)
    # field declarations (``name: type = Field(...)``) do not match; schema methods reading self.<name> do
    code = "\n".join(p.read_text() for p in (ROOT / "pipeline").rglob("*.py"))
    unread = []
    for path, _ in _leaves(yaml.safe_load(CLUSTER.read_text())):
        name = "domains" if path.startswith("mixed.domains.") else path.split(".")[-1]
        if not re.search(rf"(\.{name}\b|\[\"{name}\"\]|\b{name}=)", code):
            unread.append(path)
    assert not unread, f"fields set in the cluster example that no pipeline code reads: {unread}"


def test_cluster_training_fields_reach_trl_and_the_sandbox(tiny_model, tmp_path):
    from pipeline.stages.expert_rl import expert_settings
    from pipeline.stages.sft import sft_args
    from pipeline.train.grpo import RLJob, grpo_args

    cfg = load_config(CLUSTER, [f"output_dir={tmp_path}"])
    s = expert_settings(cfg, "math")
    job = RLJob(model=str(tiny_model), rows=[], out_dir=tmp_path, steps=s["steps"], group_size=s["group_size"],
                prompts_per_step=s["prompts_per_step"], learning_rate=s["learning_rate"],
                max_tokens=s["max_tokens"], beta=s["kl_beta"], lora=s["lora"])
    ga = grpo_args(cfg, job)
    assert (ga.max_steps, ga.num_generations, ga.learning_rate, ga.max_completion_length, ga.beta) == (500, 16, 1e-6, 2048, 0.0)
    assert (ga.loss_type, ga.epsilon, ga.epsilon_high, ga.off_policy_mask_threshold, ga.scale_rewards) == (
        "dapo", 0.2, 0.28, 0.5, "none")
    assert ga.use_bias_correction_kl and ga.temperature == 1.0 and "wandb" in ga.report_to
    assert ga.gradient_checkpointing == cfg.training.gradient_checkpointing
    spec = {"model": str(tiny_model), "out_dir": str(tmp_path), "seed": 0, "report_to": [],
            "training": cfg.training.model_dump(), "trust_remote_code": False, "sft": cfg.sft.model_dump()}
    sa = sft_args(spec)
    assert (sa.num_train_epochs, sa.learning_rate, sa.per_device_train_batch_size, sa.gradient_accumulation_steps,
            sa.max_length) == (2, 1e-5, 8, 4, 4096)
    assert cfg.sandbox.build_params() == {"timeout_s": 10, "memory_mb": 2048, "workers": 16, "isolation_policy": "required"}
    assert cfg.resources_for("expert").num_gpus == 1 and cfg.resources_for("report").num_cpus == 1
