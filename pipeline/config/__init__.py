"""Run configuration: typed sections (schema.py), YAML loading with dotted overrides (load.py), and the
cross-field checks that need files or registries (semantics.py).

    cfg = load_config("configs/demo.yaml", ["experts.math.steps=20", "rollout.backend=hf"])
"""
from .schema import (
    CalibrationConfig, DataSource, DistillConfig, DynamicSamplingConfig, EvalConfig, ExpertConfig, GRPOSettings, JudgeConfig, JudgeServeResources,
    LoggingConfig, LoraConfig, MixedConfig, PipelineConfig, RayConfig, Resources, RewardSpec, RolloutConfig,
    SandboxConfig, Section, SFTConfig,
)
from .load import apply_overrides, load_config, parse_config

__all__ = [
    "CalibrationConfig", "DataSource", "DistillConfig", "DynamicSamplingConfig", "EvalConfig", "ExpertConfig", "GRPOSettings", "JudgeConfig", "JudgeServeResources",
    "LoggingConfig", "LoraConfig", "MixedConfig", "PipelineConfig", "RayConfig", "Resources", "RewardSpec",
    "RolloutConfig", "SandboxConfig", "Section", "SFTConfig", "apply_overrides", "load_config", "parse_config",
]
