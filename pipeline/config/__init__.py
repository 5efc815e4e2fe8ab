"""Run configuration: typed sections (schema.py), YAML loading with dotted overrides, and the
cross-field checks that need files or registries (semantics.py)."""
from .schema import (
    CalibrationConfig, DataSource, DistillConfig, DynamicSamplingConfig, EvalConfig, ExpertConfig, GRPOSettings, JudgeConfig, JudgeServeResources,
    LoggingConfig, LoraConfig, MixedConfig, PipelineConfig, RayConfig, Resources, RewardSpec, RolloutConfig,
    SandboxConfig, Section, SFTConfig, apply_overrides, load_config, parse_config,
)

__all__ = [
    "CalibrationConfig", "DataSource", "DistillConfig", "DynamicSamplingConfig", "EvalConfig", "ExpertConfig", "GRPOSettings", "JudgeConfig", "JudgeServeResources",
    "LoggingConfig", "LoraConfig", "MixedConfig", "PipelineConfig", "RayConfig", "Resources", "RewardSpec",
    "RolloutConfig", "SandboxConfig", "Section", "SFTConfig", "apply_overrides", "load_config", "parse_config",
]
