"""A rollout engine served from its own Ray actor: ``rollout.vllm_mode=server`` and distill fan-out.

The actor builds an ordinary engine (vLLM or HF, see ``build_engine``) in its own process, on
whatever node and GPU Ray gives it; the caller holds a ``RayEngine`` proxy with the same
interface as any RolloutEngine:

    engine = RayEngine(model_path, backend="vllm", num_gpus=1, max_model_len=4096)
    engine.generate(prompts, SamplingConfig(n=8))   # runs in the actor
    engine.sync_weights(iter_policy_weights(model)) # streamed in buckets, then reload_weights
    engine.close()                                  # frees the actor (and its GPU)

This is how verl and OpenRLHF place rollout engines: training and generation in separate
processes, weights shipped after each update. Prompts are rendered and tokenised in the
caller (the tokenizer is loaded there), so only token ids cross the process boundary.

Weight sync streams: the caller cuts the weights into buckets of ``sync_bucket_mb`` and hands them to
the actor one at a time (``sync_push``) while the actor's ``sync_run`` feeds them, as they arrive, into
one ``engine.sync_weights`` call over a queue (the next bucket travels while one loads). Neither side holds
a second full copy and the object store holds at most three buckets; the old path (``sync_whole``, a full ``ray.put`` per step) stays for the
benchmark (bench/weight_sync.py). The actor is threaded (the sync and two pushes at once);
a lock keeps engine calls one at a time, so ranks sharing one actor (``name=``) do not interleave.

Shared actor: with several training ranks (Ray Train, server mode) rank 0 creates a named actor and the
others attach to it by name (``owner=False``); only the owner syncs weights and closes it.
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Any

from .base import RolloutEngine, Sample, SamplingConfig, build_engine
from .weight_stream import buckets, named_tensors, to_cpu

_END = None


class EngineHost:
    """The actor body: one engine, built in the actor's process."""

    def __init__(self, model_path: str, backend: str, options: dict[str, Any]):
        from ..run.affinity import restore

        restore()  # before the engine binds its threads to the CPUs it is allowed
        self.engine = build_engine(model_path, backend=backend, **options)
        self.lock = threading.Lock()
        self.inbox: queue.Queue = queue.Queue(maxsize=1)

    def info(self) -> dict[str, Any]:
        return {"name": self.engine.name, "supports_structured": self.engine.supports_structured}

    def generate_ids(self, prompt_ids: list[list[int]], sampling: SamplingConfig) -> list[list[Sample]]:
        with self.lock:
            return self.engine.generate_ids(prompt_ids, sampling)

    def score_ids(self, seqs: list[list[int]]) -> list[list[float]]:
        with self.lock:
            return self.engine.score_ids(seqs)

    def sync_whole(self, state_dict: dict[str, Any]) -> None:
        """The whole state dict in one object (the pre-streaming path, kept for the benchmark)."""
        with self.lock:
            self.engine.sync_weights(state_dict)

    def sync_run(self) -> int:
        """Load the buckets ``sync_push`` delivers until the end marker; returns the tensors loaded."""
        count, ended = 0, False

        def stream():
            nonlocal count, ended
            while (bucket := self.inbox.get()) is not _END:
                count += len(bucket)
                yield from bucket
            ended = True

        with self.lock:
            try:
                self.engine.sync_weights(stream())
            finally:  # on an error, take the caller's remaining pushes so none blocks
                while not ended and self.inbox.get() is not _END:
                    pass
        return count

    def sync_push(self, bucket: list[tuple[str, Any]] | None) -> None:
        self.inbox.put(bucket)

    def pid(self) -> int:
        import os

        return os.getpid()

    def close(self) -> None:
        with self.lock:
            self.engine.close()


def _attach(ray: Any, name: str, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return ray.get_actor(name)
        except ValueError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the shared rollout engine actor {name!r} did not appear within {timeout_s:.0f}s "
                                   "(rank 0 creates it); see rank 0's log") from None
            time.sleep(0.5)


class RayEngine(RolloutEngine):
    name = "ray"

    def __init__(self, model_path: str, backend: str = "auto", num_cpus: float = 0, num_gpus: float = 0,
                 start_timeout_s: float = 600.0, name: str | None = None, owner: bool = True, **options: Any):
        import ray
        from transformers import AutoTokenizer

        if not ray.is_initialized():
            raise RuntimeError("RayEngine needs a Ray runtime; call pipeline.run.ray_runtime.init_ray(cfg) first")
        self._ray, self.owner, self.shared = ray, owner, name is not None
        if owner:
            named = {"name": name} if name else {}
            self.actor = ray.remote(EngineHost).options(num_cpus=num_cpus, num_gpus=num_gpus, max_concurrency=3,
                                                        **named).remote(str(model_path), backend, options)
        else:
            self.actor = _attach(ray, name, start_timeout_s)
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

    def score_ids(self, seqs: list[list[int]]) -> list[list[float]]:
        return self._ray.get(self.actor.score_ids.remote(seqs))

    def sync_weights(self, weights: Any) -> None:
        """Stream the weights to the actor in buckets of ``sync_bucket_mb``, at most two in flight."""
        done, pending = self.actor.sync_run.remote(), None
        try:
            for bucket in buckets(named_tensors(weights), self.sync_bucket_mb):
                ref = self.actor.sync_push.remote(to_cpu(bucket))  # the next bucket travels while one loads
                if pending is not None:
                    self._ray.get(pending)
                pending = ref
        finally:
            if pending is not None:
                self._ray.get(pending)
            self._ray.get(self.actor.sync_push.remote(_END))
        self._ray.get(done)

    def close(self) -> None:
        actor, self.actor = getattr(self, "actor", None), None
        if actor is None or not self.owner:
            return
        try:
            self._ray.get(actor.close.remote(), timeout=60)
        except Exception:  # noqa: BLE001 - a dead actor has nothing left to close
            pass
        self._ray.kill(actor)
