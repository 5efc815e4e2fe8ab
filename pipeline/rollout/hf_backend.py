"""HF ``generate`` rollout backend: the fallback when vLLM is absent, and the reference in tests.

Logprobs are the raw model distribution (log-softmax of unprocessed logits), which is
what vLLM returns by default, so the two backends report comparable numbers.

Structured outputs (``SamplingConfig.structured``) are not implemented here: a request with
one raises NotImplementedError instead of silently returning unconstrained text. Callers that
can live without it check ``engine.supports_structured`` first (the judge wiring does).

Keep routing: for a mixture-of-experts model, hooks on its routers record the experts every token was
routed to while generating; each sample comes back as a ``RoutedSample`` whose ``routed_experts`` is
(prompt + kept tokens, MoE layers, top_k), -1 where generate never fed the token back (the batch's last
sampled token) (pipeline/train/keep_routing_record.py). A dense model returns plain samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import RolloutEngine, Sample, SamplingConfig


@dataclass
class RoutedSample(Sample):
    routed_experts: Any = None  # (prompt + completion tokens, MoE layers, top_k) int16; -1 = no route


class HFEngine(RolloutEngine):
    name = "hf"
    records_routes = True  # keep routing: records the MoE routes it generates with (none for a dense model)

    def __init__(self, model_path: str, dtype: str = "float32", seed: int = 0, batch_size: int = 16,
                 model: Any = None, trust_remote_code: bool = False, **_: Any):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        remote = {"trust_remote_code": True} if trust_remote_code else {}
        tok = AutoTokenizer.from_pretrained(model_path, **remote)
        super().__init__(model_path, tok)
        torch_dtype = getattr(torch, dtype) if dtype != "auto" else torch.float32
        self.model = model if model is not None else AutoModelForCausalLM.from_pretrained(
            model_path, dtype=torch_dtype, **remote)
        self.model.eval()
        self.seed, self.batch_size = seed, batch_size
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def _generate_ids(self, prompt_ids: list[list[int]], sampling: SamplingConfig) -> list[list[Sample]]:
        import torch

        if sampling.structured is not None:
            raise NotImplementedError("the HF rollout backend does not support SamplingConfig.structured (guided "
                                      "decoding); use backend=vllm, or check engine.supports_structured first")
        if sampling.seed is not None:
            torch.manual_seed(sampling.seed)
        out: list[list[Sample]] = []
        for i in range(0, len(prompt_ids), self.batch_size):
            out.extend(self._batch(prompt_ids[i:i + self.batch_size], sampling))
        return out

    def _batch(self, batch: list[list[int]], s: SamplingConfig) -> list[list[Sample]]:
        import torch

        width = max(len(x) for x in batch)
        ids = torch.tensor([[self.pad_id] * (width - len(x)) + x for x in batch])
        mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in batch])
        greedy = s.temperature <= 0
        gen_kwargs: dict[str, Any] = dict(do_sample=not greedy, max_new_tokens=s.max_tokens, num_return_sequences=s.n,
                                          pad_token_id=self.pad_id, return_dict_in_generate=True, output_scores=s.logprobs)
        if not greedy:
            gen_kwargs.update(temperature=s.temperature, top_p=s.top_p, top_k=s.top_k if s.top_k > 0 else 0)
        from ..train.keep_routing_record import RouteRecorder, find_routers, generate_routes

        routers = find_routers(self.model)
        with torch.no_grad(), RouteRecorder(routers) as rec:
            res = self.model.generate(input_ids=ids, attention_mask=mask, **gen_kwargs)
        routes = generate_routes(rec, len(batch) * s.n, width) if routers else None
        new = res.sequences[:, width:]
        # scores = the processed (temperature, top-k/top-p) logits: the sampled token's logprob under the
        # distribution it was drawn from, as vLLM's processed_logprobs
        lp_all = (torch.stack(res.scores, 1).float().log_softmax(-1).gather(-1, new.unsqueeze(-1)).squeeze(-1)
                  if s.logprobs else None)
        eos = set(self.model.generation_config.eos_token_id if isinstance(self.model.generation_config.eos_token_id, list)
                  else [self.model.generation_config.eos_token_id or self.tokenizer.eos_token_id])
        out = [[self._sample(new[b * s.n + j], None if lp_all is None else lp_all[b * s.n + j], eos, s)
                for j in range(s.n)] for b in range(len(batch))]
        return out if routes is None else [[_routed(smp, routes[b * s.n + j, width - len(batch[b]):], len(batch[b]))
                                            for j, smp in enumerate(row)] for b, row in enumerate(out)]

    def _sample(self, row: Any, lps: Any, eos: set[int], s: SamplingConfig) -> Sample:
        toks = row.tolist()
        end = next((k for k, t in enumerate(toks) if t in eos), None)
        finish = "stop" if end is not None else "length"
        kept = toks[: end] if end is not None else toks
        text = self.tokenizer.decode(kept, skip_special_tokens=True)
        if end is not None and s.include_stop_token:
            kept = toks[: end + 1]
        for stop in s.stop:
            if stop in text:
                text, finish = text.split(stop, 1)[0], "stop"
        logprobs = lps[: len(kept)].tolist() if lps is not None else None
        return Sample(text, kept, logprobs, finish)

    def sync_weights(self, weights: Any) -> None:
        """Copy a state dict or a stream of (name, tensor) into the model, one tensor at a time."""
        import torch

        from .weight_stream import named_tensors

        params = self.model.state_dict()  # views of the live tensors
        with torch.no_grad():
            for name, tensor in named_tensors(weights):
                if name in params:
                    params[name].copy_(tensor)

    def score_ids(self, seqs: list[list[int]]) -> list[list[float]]:
        from .probe import sequence_logprobs

        return sequence_logprobs(self.model, seqs)


def _routed(sample: Sample, routes: Any, prompt_len: int) -> RoutedSample:
    from ..train.keep_routing_record import fit_routes

    return RoutedSample(**vars(sample), routed_experts=fit_routes(routes, prompt_len + len(sample.token_ids)))
