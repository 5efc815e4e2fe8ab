"""Running a pipeline: the stage orchestrator, stage manifests, the run directory store, the Ray
runtime, the Ray Train runner and progress reporting."""
