"""training.dtype: bf16 keeps fp32 master weights under bf16 autocast, so an RL-sized update (AdamW, lr 1e-6)
survives; the opt-in pure-bf16 policy loses most of it. One real SFT step through posttrain's own builder
(pipeline/stages/sft.py), measured by bench/scale_train.py's ``weights_changed_share``."""
from __future__ import annotations

from bench.scale_train import weights_changed_share


def test_bf16_master_weights_keep_a_1e6_adamw_step_pure_bf16_does_not(tiny_model, tmp_path):
    mixed = weights_changed_share(str(tiny_model), tmp_path / "mixed", {"dtype": "bf16"})
    assert mixed["param_dtype"] == "float32" and mixed["bf16_autocast"] and mixed["step"] == 1
    assert mixed["weights_with_grad"] > 100_000 and mixed["share"] > 0.9
    pure = weights_changed_share(str(tiny_model), tmp_path / "pure", {"dtype": "bf16", "pure_bf16": True})
    assert pure["param_dtype"] == "bfloat16" and pure["weights_with_grad"] > 100_000
    assert pure["share"] < 0.1  # the tiny model's weights (init range 0.2) have a bf16 step of ~1e-3 >> 1e-6
