"""TrainerCallback that appends every logging step to ``train_log.jsonl`` (read by the report).

    trainer = GRPOTrainer(..., callbacks=[TrainLogCallback(stage_dir / "train_log.jsonl")])

Each line is ``{"step": N, "time": unix seconds, <metric>: value, ...}`` with the numeric values TRL logs
(``time``: when the step was logged, so wall time per step is the difference of two lines).
"""
from __future__ import annotations

import json
import math
import numbers
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback


class TrainLogCallback(TrainerCallback):
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """On resume, drop lines logged after the checkpoint we restart from (no duplicated steps)."""
        if state.is_world_process_zero and self.path.exists():
            keep = [ln for ln in self.path.read_text().splitlines() if ln and json.loads(ln)["step"] <= state.global_step]
            self.path.write_text("".join(ln + "\n" for ln in keep))

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not logs or not state.is_world_process_zero:
            return
        rec: dict[str, float] = {"step": state.global_step, "time": round(time.time(), 3)}
        rec.update({k: float(v) for k, v in logs.items()
                    if isinstance(v, numbers.Number) and not isinstance(v, bool) and math.isfinite(float(v))})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as f:
            f.write(json.dumps(rec) + "\n")
        from ..run.progress import report_progress

        report_progress(state.global_step, state.max_steps or None, "train steps")
