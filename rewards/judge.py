"""``rubric_judge``: a generative judge scores each response against the constitution + rubric.

    judge = RubricJudge(backend=build_backend("openai", base_url=..., model=...),
                        constitution=load_constitution("configs/constitutions/default.yaml"),
                        guard="penalize", cache_dir="runs/x/judge_cache")
    results = judge(rows)            # one RewardResult per row

YAML: ``writing: [{name: rubric_judge, weight: 1.0, params: {guard: flag, cache_dir: ...}}]``;
the router injects ``backend=`` and ``constitution=`` (see rewards/router.py).

Per row: criteria = the row's ``rubric``, else the constitution's rubric for its domain,
else the principles. The judge sees the principles, the user prompt and the response in
random fences, and the criteria C1..Cn; it reasons first and ends with
``SCORES: C1=7, C2=4`` (format and parser: rewards/judge_prompt.py). By default it judges
only the answer after ``</think>`` (``judge_thinking: true`` shows the whole text).

Result: score = sum_i w_i * (s_i - min) / (max - min) / sum_i w_i, in [0, 1];
``components["rubric_judge/<criterion id>"]`` holds each criterion in [0, 1]; ``info``
has the raw scores and the tail of the judge's answer.

Statuses (never a silent zero):
- unparseable judge answer: one follow-up turn asks for the scores line only; if that also
  fails, status ``unparseable`` with **score None** (the router leaves it out of the sum
  and TRL sees NaN for this component, rather than a fake 0);
- backend failure (endpoint unreachable after retries, callable raised): ``error``, None;
- invalid row rubric: ``error``, None, ``info["error"]`` names the field;
- guard (rewards/judge_guard.py): ``off``; ``flag`` — flagged rows keep the judged score
  with status ``flagged``; ``penalize`` — flagged rows score 0.0 (the scale minimum) with
  status ``flagged`` and are not sent to the judge. ``info["guard"]`` lists what fired.
- master-key answers (content-free text such as ":" or "Let's solve this step by step.",
  rewards/judge_master_key.py) score 0.0 with status ``ok`` and ``info["content_free"]`` under
  both guard modes, and are never sent to the judge.

Guided decoding (``guided: true``, the default): when the backend can constrain its output
(``accepts_formats``; the pipeline's in-process vLLM judge can), each request carries a regex
for this row's contract (rewards/judge_prompt.output_format: a line of reasoning of at least
``max(20, min_reasoning_chars)`` characters, then ``SCORES:`` with one on-scale integer per
criterion), and the retry turn one for the scores line alone. Other backends are unaffected.

Verdicts are cached by hash of (judge model, constitution, rubric, prompt, response) in an
LRU (``cache_size``) and, with ``cache_dir``, in JSONL files; identical rows in one batch are
judged once. Departure from the paper: V3.2 uses a large trained generative reward model;
the embedded default judge here is SmolLM2-135M — real but weak — so the guard and the
strict parser matter more. Point ``judge`` at a stronger model for real runs.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .base import RewardResult, completion_text, prompt_text, register_reward
from .constitution import Constitution, ConstitutionError, Criterion, constitution_from_dict, criterion_id, load_constitution
from .judge_backends import CallableBackend, JudgeUnavailable, build_backend
from .judge_cache import JudgeCache, cache_key
from .judge_guard import GuardReport, InjectionGuard
from .judge_master_key import content_free
from .judge_prompt import (PROMPT_VERSION, ParsedScores, build_messages, output_format, parse_scores, retry_messages,
                           scores_format)
from .text import answer_part

GUARD_MODES = ("off", "flag", "penalize")


@dataclass
class _Job:
    """One distinct (rubric, prompt, response) to judge; ``rows`` share its verdict."""

    key: str
    rubric: list[Criterion]
    messages: list[dict[str, str]]
    rows: list[int] = field(default_factory=list)


def _as_constitution(value: Any) -> Constitution:
    if isinstance(value, Constitution):
        return value
    if isinstance(value, (str, Path)):
        return load_constitution(value)
    if isinstance(value, dict):
        return constitution_from_dict(value)
    raise ValueError("rubric_judge needs a constitution (a Constitution, a YAML path or a mapping); configure `judge:`")


def _as_backend(value: Any, params: dict[str, Any] | None) -> Any:
    if value is None:
        raise ValueError("rubric_judge needs a judge backend (configure `judge:` or pass backend=)")
    if isinstance(value, str):
        return build_backend(value, **(params or {}))
    if not hasattr(value, "generate") and callable(value):
        return CallableBackend(value)
    return value


@register_reward("rubric_judge")
class RubricJudge:
    """Constitution + rubric judge score in [0, 1]: reasoning first, then per-criterion scores."""

    is_correctness: ClassVar[bool] = False

    def __init__(self, backend: Any = None, constitution: Any = None, guard: str = "penalize", cache_size: int = 4096,
                 cache_dir: str | None = None, judge_thinking: bool = False, min_reasoning_chars: int = 0,
                 parse_retries: int = 1, backend_params: dict[str, Any] | None = None, guided: bool = True,
                 max_reasoning_chars: int = 300):
        if guard not in GUARD_MODES:
            raise ValueError(f"rubric_judge: guard must be one of {', '.join(GUARD_MODES)}, got {guard!r}")
        if parse_retries < 0 or min_reasoning_chars < 0:
            raise ValueError("rubric_judge: parse_retries and min_reasoning_chars must be >= 0")
        self.backend = _as_backend(backend, backend_params)
        self.constitution = _as_constitution(constitution)
        self.guard, self.judge_thinking = guard, judge_thinking
        self.min_reasoning_chars, self.parse_retries = min_reasoning_chars, parse_retries
        self.detector = InjectionGuard(self.constitution.guard.patterns, self.constitution.guard.disable)
        self.cache = JudgeCache(cache_size, cache_dir)
        self.model = str(getattr(self.backend, "model", type(self.backend).__name__))
        self.fingerprint = self.constitution.fingerprint()
        self.guided = bool(guided and getattr(self.backend, "accepts_formats", False))
        self.max_reasoning_chars = max_reasoning_chars
        self.version = PROMPT_VERSION + ("+guided" if self.guided else "")

    # ---- one row -------------------------------------------------------------------------
    def _texts(self, row: dict[str, Any]) -> tuple[list[Criterion], str, str]:
        rubric = self.constitution.rubric_for(row.get("domain"), row.get("rubric"))
        text = completion_text(row.get("completion"))
        return rubric, prompt_text(row.get("prompt")), text if self.judge_thinking else answer_part(text)

    def _verdict(self, rubric: list[Criterion], parsed: ParsedScores, answer: str, attempts: int) -> RewardResult:
        lo, hi = self.constitution.scale.min, self.constitution.scale.max
        norm = [(s - lo) / (hi - lo) for s in parsed.scores or []]
        score = sum(c.weight * v for c, v in zip(rubric, norm)) / sum(c.weight for c in rubric)
        info: dict[str, Any] = {"criteria": [criterion_id(c) for c in rubric], "raw_scores": parsed.scores,
                                "attempts": attempts, "judge_output": answer[-500:]}
        if parsed.clipped:
            info["clipped"] = True
        return RewardResult(score, "ok", {f"rubric_judge/{criterion_id(c)}": v for c, v in zip(rubric, norm)}, info)

    def _content_free(self, rubric: list[Criterion], opener: str) -> RewardResult:
        """A master-key answer: every criterion at the scale minimum, status ok, judge not called."""
        return RewardResult(0.0, "ok", {f"rubric_judge/{criterion_id(c)}": 0.0 for c in rubric},
                            {"content_free": opener, "judged": False,
                             "raw_scores": [float(self.constitution.scale.min)] * len(rubric)})

    def _apply_guard(self, res: RewardResult, report: GuardReport | None) -> RewardResult:
        if report is None or not report.fired:
            return res
        guard_info = {"fired": report.fired, "signal": report.score, "snippets": report.snippets}
        if not report.flagged:
            return RewardResult(res.score, res.status, res.components, {**res.info, "guard_signals": guard_info})
        if self.guard == "penalize":
            return RewardResult(0.0, "flagged", {}, {"guard": guard_info, "judged": False})
        return RewardResult(res.score, "flagged", res.components, {**res.info, "guard": guard_info, "judge_status": res.status})

    # ---- the batch -----------------------------------------------------------------------
    def _format(self, n: int, attempt: int) -> dict[str, str]:
        lo, hi = self.constitution.scale.min, self.constitution.scale.max
        if attempt == 0:
            return output_format(n, lo, hi, max(20, self.min_reasoning_chars), max(self.max_reasoning_chars, self.min_reasoning_chars))
        return scores_format(n, lo, hi)

    def _generate(self, batch: list[list[dict[str, str]]], formats: list[dict[str, str]]) -> list[str | Exception]:
        try:
            out = list(self.backend.generate(batch, formats=formats) if self.guided else self.backend.generate(batch))
        except Exception as e:  # noqa: BLE001 - a broken backend is status=error for its rows, not a crash
            return [JudgeUnavailable(f"judge backend raised {type(e).__name__}: {e}")] * len(batch)
        if len(out) != len(batch):
            return [JudgeUnavailable(f"judge backend returned {len(out)} answers for {len(batch)} prompts")] * len(batch)
        return out

    def _judge(self, jobs: list[_Job]) -> dict[str, RewardResult]:
        lo, hi = self.constitution.scale.min, self.constitution.scale.max
        verdicts: dict[str, RewardResult] = {}
        todo = [(job, job.messages) for job in jobs]
        for attempt in range(1 + self.parse_retries):
            if not todo:
                break
            again = []
            formats = [self._format(len(job.rubric), attempt) for job, _ in todo]
            for (job, msgs), answer in zip(todo, self._generate([m for _, m in todo], formats)):
                if isinstance(answer, Exception):
                    verdicts[job.key] = RewardResult(None, "error", info={"error": str(answer)[:500], "attempts": attempt + 1})
                    continue
                parsed = parse_scores(answer, len(job.rubric), lo, hi, self.min_reasoning_chars if attempt == 0 else 0)
                if parsed.scores is not None:
                    verdicts[job.key] = self._verdict(job.rubric, parsed, str(answer), attempt + 1)
                    continue
                verdicts[job.key] = RewardResult(None, "unparseable", info={"error": parsed.error, "attempts": attempt + 1,
                                                                            "judge_output": str(answer)[-500:]})
                again.append((job, retry_messages(msgs, str(answer), len(job.rubric), lo, hi)))
            todo = again
        return verdicts

    def _plan(self, rows: list[dict[str, Any]], out: list[RewardResult | None],
              reports: list[GuardReport | None]) -> dict[str, _Job]:
        jobs: dict[str, _Job] = {}
        for i, row in enumerate(rows):
            try:
                rubric, prompt, response = self._texts(row)
            except ConstitutionError as e:
                out[i] = RewardResult(None, "error", info={"error": f"invalid row rubric: {e}"})
                continue
            if self.guard != "off" and (opener := content_free(response)) is not None:
                out[i] = self._content_free(rubric, opener)
                continue
            reports[i] = self.detector.scan(response, prompt) if self.guard != "off" else None
            if reports[i] is not None and reports[i].flagged and self.guard == "penalize":
                out[i] = RewardResult(None, "ok")  # replaced by the guard below, never judged
                continue
            key = cache_key(self.model, self.fingerprint, [c.model_dump() for c in rubric],
                            prompt, response, self.version)
            hit = self.cache.get(key)
            if hit is not None:
                hit.info["cached"] = True
                out[i] = hit
            else:
                jobs.setdefault(key, _Job(key, rubric, build_messages(self.constitution, rubric, prompt, response))).rows.append(i)
        return jobs

    def close(self) -> None:
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        out: list[RewardResult | None] = [None] * len(rows)
        reports: list[GuardReport | None] = [None] * len(rows)
        jobs = self._plan(rows, out, reports)
        verdicts = self._judge(list(jobs.values()))
        self.cache.put_many(verdicts)
        for job in jobs.values():
            for i in job.rows:
                out[i] = copy.deepcopy(verdicts[job.key])
        return [self._apply_guard(r, rep) for r, rep in zip(out, reports)]  # type: ignore[arg-type]
