"""posttrain pipeline: configs, rollout engine, stages, orchestration and CLI."""
