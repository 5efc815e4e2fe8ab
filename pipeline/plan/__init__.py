"""Per-stage GPU memory plan from the model's config.json and the pipeline config (``posttrain plan``).

arch.py reads the model's shape (config.json, local or the shipped table in known.py); estimate.py has the
formulas; workloads.py and build.py turn each stage's settings into estimator inputs and a fit check; table.py
renders it. bench/memory_plan.py checks the estimator against measured CPU peaks and DeepSpeed/accelerate.
"""
from .build import check_plan, plan_config

__all__ = ["check_plan", "plan_config"]
