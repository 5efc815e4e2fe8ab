"""A rollout engine served from its own Ray actor: ``rollout.vllm_mode=server`` and distill fan-out.

The actor builds an ordinary engine (vLLM or HF, see ``build_engine``) in its own process, on
whatever node and GPU Ray gives it; the caller holds a ``RayEngine`` proxy with the same
interface as any RolloutEngine:

    engine = RayEngine(model_path, backend="vllm", num_gpus=1, max_model_len=4096)
    engine.generate(prompts, SamplingConfig(n=8))   # runs in the actor
    engine.sync_weights(policy.state_dict())        # one object-store transfer, then reload_weights
    engine.close()                                  # frees the actor (and its GPU)

This is how verl and OpenRLHF place rollout engines: training and generation in separate
processes, weights shipped after each update. Prompts are rendered and tokenised in the
caller (the tokenizer is loaded there), so only token ids cross the process boundary.
"""
from __future__ import annotations

from typing import Any

from .base import RolloutEngine, Sample, SamplingConfig, build_engine


class EngineHost:
    """The actor body: one engine, built in the actor's process."""

    def __init__(self, model_path: str, backend: str, options: dict[str, Any]):
        self.engine = build_engine(model_path, backend=backend, **options)

    def info(self) -> dict[str, Any]:
        return {"name": self.engine.name, "supports_structured": self.engine.supports_structured}

    def generate_ids(self, prompt_ids: list[list[int]], sampling: SamplingConfig) -> list[list[Sample]]:
        return self.engine.generate_ids(prompt_ids, sampling)

    def sync_weights(self, state_dict: dict[str, Any]) -> None:
        self.engine.sync_weights(state_dict)

    def close(self) -> None:
        self.engine.close()


class RayEngine(RolloutEngine):
    name = "ray"

    def __init__(self, model_path: str, backend: str = "auto", num_cpus: float = 0, num_gpus: float = 0,
                 start_timeout_s: float = 600.0, **options: Any):
        import ray
        from transformers import AutoTokenizer

        if not ray.is_initialized():
            raise RuntimeError("RayEngine needs a Ray runtime; call pipeline.run.ray_runtime.init_ray(cfg) first")
        self._ray = ray
        self.actor = ray.remote(EngineHost).options(num_cpus=num_cpus, num_gpus=num_gpus).remote(
            str(model_path), backend, options)
        try:
            info = ray.get(self.actor.info.remote(), timeout=start_timeout_s)
        except ray.exceptions.GetTimeoutError:
            ray.kill(self.actor)
            raise RuntimeError(f"the rollout engine actor for {model_path} did not start within {start_timeout_s:.0f}s; "
                               f"the cluster may lack the resources it asks for (num_cpus={num_cpus}, num_gpus={num_gpus}): "
                               f"lower rollout.engine_resources or add nodes") from None
        self.backend_name, self.supports_structured = info["name"], info["supports_structured"]
        remote = {"trust_remote_code": True} if options.get("trust_remote_code") else {}
        super().__init__(model_path, AutoTokenizer.from_pretrained(str(model_path), **remote))

    def _generate_ids(self, prompt_ids: list[list[int]], sampling: SamplingConfig) -> list[list[Sample]]:
        return self._ray.get(self.actor.generate_ids.remote(prompt_ids, sampling))

    def sync_weights(self, state_dict: dict[str, Any]) -> None:
        weights = {k: v.detach().cpu() for k, v in state_dict.items()}
        self._ray.get(self.actor.sync_weights.remote(self._ray.put(weights)))

    def close(self) -> None:
        actor, self.actor = getattr(self, "actor", None), None
        if actor is None:
            return
        try:
            self._ray.get(actor.close.remote(), timeout=60)
        except Exception:  # noqa: BLE001 - a dead actor has nothing left to close
            pass
        self._ray.kill(actor)
