"""Training: the TRL GRPO trainer built from our config, its rollout adapter, SFT data, the
forgetting guard and the per-step train log."""
