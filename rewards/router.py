"""Route each row to its domain's weighted reward list and combine the results.

    router = RewardRouter({"math": [{"name": "math_correctness", "weight": 1.0},
                                    {"name": "length_penalty", "weight": 0.2, "params": {"max_len": 512}}],
                           "writing": [{"name": "rubric_judge", "weight": 1.0}]},
                          sandbox=sb, backend=judge_backend, constitution=const, guard="penalize")
    scored = router.score(rows)           # list[ScoredRow], input order
    dicts = router.score_rows(rows)       # the output-row contract: row + reward, components, status, info
    funcs = router.trl_reward_funcs()     # one TRL reward function per reward name

Config: a plain mapping ``{domain: [{"name", "weight", "params"}]}``; entries (or the whole
mapping) may be pydantic models, which are ``model_dump()``-ed. Within a domain rewards run
in config order, each once on that domain's rows of the batch. Before a reward that is not
a correctness reward runs, ``row["_correct"]`` is set from the earlier rewards whose class
has ``is_correctness = True``: True when all that applied scored >= 1.0, False when one
scored less, None when none applied (``length_penalty`` uses it for its verbosity term).

Combination per row: ``reward = sum(weight * score)`` over rewards whose score is not None
(None when all are None). A *penalty* is an entry with a negative weight, or with
``penalty: λ`` (weight −λ), or a reward class with ``is_penalty = True`` configured with
neither (λ = 0.2, rewards/constitution_penalty.py); so ``reward = task − λ·violation``. A
penalty class with a positive weight is an error. Domains with a penalty also get components
``reward/task`` (the positive-weight sum) and ``reward/penalty`` (the subtracted amount, >= 0);
``status`` = the worst by ``STATUS_PRIORITY``; ``components``
keyed by reward name plus sub-components as ``name/sub``; ``info[name]`` = that reward's
info (with its ``status`` when not ok). A reward that raises (or returns a wrong number of
results) on a batch is re-run row by row, so only the rows it fails on get status
``error`` for it; group-aware rewards then see single rows for that batch only.

Dependencies: keyword arguments of the constructor are offered to every reward through
``build_reward(name, params, **deps)``, which passes each only to rewards whose constructor
takes it, and never over a YAML param. Names in use: ``sandbox`` (code_tests), ``backend``,
``constitution``, ``guard``, ``cache_dir`` (rubric_judge).

TRL: each function from :meth:`trl_reward_funcs` is named after its reward (TRL logs it as
``rewards/<name>``), takes ``(prompts, completions, **columns)`` and returns
``weight_d * score`` for rows whose domain uses the reward, None otherwise. The batch is
scored once and reused by the other functions (matched by the identity and contents of the
inputs). Keep TRL's ``reward_weights`` at 1: the domain weights are already applied, and
the sum over functions equals the combined reward. Per-batch status shares are logged
through TRL's ``log_metric`` as ``reward_status/<status>``.
Departure from the paper: none in spirit; V3.2 routes by task type, we route by ``domain``.
"""
from __future__ import annotations

import json
import math
import numbers
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .base import STATUS_PRIORITY, STATUSES, RewardResult, Row, Status, build_reward

_TRL_HOOKS = ("trainer_state", "log_extra", "log_metric", "environments")
_TRL_NON_COLUMNS = (*_TRL_HOOKS, "completion_ids")


@dataclass
class RewardEntry:
    """One configured reward of a domain."""

    name: str
    """Registered reward name (or ``module:Class``); the component key."""
    weight: float
    """Multiplier of this reward's score in the domain's sum."""
    params: dict[str, Any]
    """Constructor keyword arguments from the config."""
    reward: Any
    """The built reward instance (shared between domains with the same name and params)."""

    @property
    def is_correctness(self) -> bool:
        return bool(getattr(self.reward, "is_correctness", False))


@dataclass
class ScoredRow:
    """A row after routing: the input row (copied) plus the combined outcome."""

    row: Row
    reward: float | None
    status: Status
    components: dict[str, float | None] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    results: dict[str, RewardResult] = field(default_factory=dict)
    """Each reward's own result, by name."""

    def to_dict(self) -> Row:
        """The output-row contract of ``posttrain rewards score``."""
        return {**self.row, "reward": self.reward, "components": self.components, "status": self.status, "info": self.info}


def _entries(domains: Any) -> dict[str, list[dict[str, Any]]]:
    """Normalise the config to ``{domain: [{name, weight, params}]}``, with field-path errors."""
    if hasattr(domains, "model_dump"):
        domains = domains.model_dump()
    if not isinstance(domains, Mapping) or not domains:
        raise ValueError("rewards: expected a non-empty mapping {domain: [{name, weight, params}]}")
    out: dict[str, list[dict[str, Any]]] = {}
    for domain, items in domains.items():
        if not isinstance(items, Sequence) or isinstance(items, (str, bytes)) or not items:
            raise ValueError(f"rewards.{domain}: expected a non-empty list of {{name, weight, params}}")
        out[str(domain)] = [_entry(item, f"rewards.{domain}[{i}]") for i, item in enumerate(items)]
        names = [e["name"] for e in out[str(domain)]]
        if len(set(names)) != len(names):
            raise ValueError(f"rewards.{domain}: a reward name appears twice ({names}); each component needs one name")
    return out


def _entry(item: Any, path: str) -> dict[str, Any]:
    item = item.model_dump() if hasattr(item, "model_dump") else item
    if not isinstance(item, Mapping):
        raise ValueError(f"{path}: expected a mapping with name, weight, params")
    extra = set(item) - {"name", "weight", "penalty", "params"}
    if extra:
        raise ValueError(f"{path}: unknown key(s) {sorted(extra)}; allowed: name, weight, penalty, params")
    name, weight, penalty, params = item.get("name"), item.get("weight"), item.get("penalty"), item.get("params") or {}
    if not isinstance(name, str) or not name:
        raise ValueError(f"{path}.name: required, a registered reward name")
    for key, value in (("weight", weight), ("penalty", penalty)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise ValueError(f"{path}.{key}: must be a finite number, got {value!r}")
    if penalty is not None and (penalty < 0 or weight is not None):
        raise ValueError(f"{path}.penalty: give λ >= 0 and no weight (the reward is subtracted: weight = -λ), "
                         f"got penalty={penalty!r}, weight={weight!r}")
    if not isinstance(params, Mapping):
        raise ValueError(f"{path}.params: must be a mapping of constructor arguments")
    weight = -float(penalty) if penalty is not None else (None if weight is None else float(weight))
    return {"name": name, "weight": weight, "params": dict(params)}


def _weight(reward: Any, weight: float | None) -> float:
    """The entry's signed weight: None -> 1.0, or -DEFAULT_LAMBDA for a penalty reward."""
    if not getattr(reward, "is_penalty", False):
        return 1.0 if weight is None else weight
    if weight is not None and weight > 0:
        raise ValueError("a penalty reward: give `penalty: <λ>` (subtracted, e.g. 0.2) or a negative weight, not a positive one")
    from .constitution_penalty import DEFAULT_LAMBDA

    return -DEFAULT_LAMBDA if weight is None else weight


def _error(name: str, e: BaseException | str) -> RewardResult:
    msg = e if isinstance(e, str) else f"{type(e).__name__}: {e}"
    return RewardResult(None, "error", info={"error": f"reward {name!r} failed: {msg}"[:500]})


def _checked(name: str, res: Any) -> RewardResult:
    if not isinstance(res, RewardResult):
        return _error(name, f"returned {type(res).__name__}, not RewardResult")
    if res.status not in STATUSES:
        return _error(name, f"returned unknown status {res.status!r}")
    if res.score is not None:
        if isinstance(res.score, bool) or not isinstance(res.score, numbers.Real) or not math.isfinite(res.score):
            return _error(name, f"returned a non-finite or non-numeric score {res.score!r}")
        res.score = float(res.score)
    return res


AHEAD_LIMIT = 8192
"""Most scores ``prescore`` keeps for TRL to claim."""


def _ahead_key(row: Row) -> str:
    """A scored row's identity for ``prescore``: its prompt and completion text."""
    completion = row.get("completion")
    text = completion[-1].get("content") if isinstance(completion, list) and completion else completion
    return json.dumps([row.get("prompt"), text], sort_keys=True, default=str)


@dataclass
class _TrlBatch:
    """The last TRL batch: its inputs (kept alive, so their ids cannot be reused) and scores."""

    prompts: Any
    completions: Any
    columns: dict[str, Any]
    snapshot: list[Any]
    scored: list[ScoredRow]

    def matches(self, prompts: Any, completions: Any, columns: dict[str, Any]) -> bool:
        return (prompts is self.prompts and completions is self.completions and columns.keys() == self.columns.keys()
                and all(columns[k] is v for k, v in self.columns.items()) and list(completions) == self.snapshot)


def _log_domains(log: Callable[[str, float], None], scored: list[ScoredRow]) -> None:
    """Per-domain batch metrics: ``domain/<d>/reward`` (mean combined reward), ``/share`` of the
    batch, ``/length`` (mean completion tokens) and ``/<reward name>`` component means."""
    by_domain: dict[str, list[ScoredRow]] = defaultdict(list)
    for s in scored:
        by_domain[s.row["domain"]].append(s)
    for d, rows in by_domain.items():
        rewards = [s.reward for s in rows if s.reward is not None]
        lengths = [s.row["completion_tokens"] for s in rows if isinstance(s.row.get("completion_tokens"), numbers.Number)]
        log(f"domain/{d}/share", len(rows) / len(scored))
        if rewards:
            log(f"domain/{d}/reward", sum(rewards) / len(rewards))
        if lengths:
            log(f"domain/{d}/length", sum(lengths) / len(lengths))
        for name in dict.fromkeys(n for s in rows for n in s.results):
            vals = [s.results[name].score for s in rows if name in s.results and s.results[name].score is not None]
            if vals:
                log(f"domain/{d}/{name}", sum(vals) / len(vals))


class RewardRouter:
    """Domain -> weighted rewards; scores mixed-domain batches and serves TRL reward functions."""

    def __init__(self, domains: Any, **deps: Any):
        built: dict[tuple[str, str], Any] = {}
        self.specs: dict[str, list[RewardEntry]] = {}
        for domain, items in _entries(domains).items():
            self.specs[domain] = []
            for i, e in enumerate(items):
                key = (e["name"], json.dumps(e["params"], sort_keys=True, default=repr))
                if key not in built:
                    try:
                        built[key] = build_reward(e["name"], e["params"], **deps)
                    except (ValueError, KeyError, TypeError) as err:
                        msg = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
                        raise ValueError(f"rewards.{domain}[{i}] ({e['name']}): {msg}") from None
                try:
                    weight = _weight(built[key], e["weight"])
                except ValueError as err:
                    raise ValueError(f"rewards.{domain}[{i}] ({e['name']}): {err}") from None
                self.specs[domain].append(RewardEntry(e["name"], weight, e["params"], built[key]))
        self._last: _TrlBatch | None = None
        self._lock = threading.Lock()
        self._ahead: dict[str, ScoredRow] = {}  # scored before TRL asked (prescore), by prompt + completion
        self.claimed = 0  # TRL rows whose scores prescore had already computed

    def domains(self) -> list[str]:
        return sorted(self.specs)

    def close(self) -> None:
        """Release what the rewards hold (a judge's own engine); call when scoring is done."""
        done = set()
        for entries in self.specs.values():
            for e in entries:
                close = getattr(e.reward, "close", None)
                if id(e.reward) not in done and callable(close):
                    done.add(id(e.reward))
                    close()

    def reward_names(self) -> list[str]:
        """Distinct reward names, in first-configured order."""
        return list(dict.fromkeys(e.name for entries in self.specs.values() for e in entries))

    def weight(self, domain: str, name: str) -> float | None:
        """The weight of reward ``name`` in ``domain``, or None when the domain does not use it."""
        return next((e.weight for e in self.specs.get(domain, []) if e.name == name), None)

    # ---- scoring -------------------------------------------------------------------------
    def _call(self, entry: RewardEntry, rows: list[Row]) -> list[RewardResult]:
        try:
            out = list(entry.reward(rows))
            if len(out) != len(rows):
                raise ValueError(f"returned {len(out)} results for {len(rows)} rows")
        except Exception as e:  # noqa: BLE001 - one broken reward never sinks the batch
            if len(rows) == 1:
                return [_error(entry.name, e)]
            return [self._call(entry, [row])[0] for row in rows]  # isolate the rows it fails on
        return [_checked(entry.name, r) for r in out]

    @staticmethod
    def _fill_correct(entries: list[RewardEntry], rows: list[Row], results: list[dict[str, RewardResult]]) -> None:
        correctness = {e.name for e in entries if e.is_correctness}
        for row, res in zip(rows, results):
            flags = [r.score >= 1.0 for n, r in res.items() if n in correctness and r.score is not None]
            row["_correct"] = all(flags) if flags else None

    def _combine(self, entries: list[RewardEntry], row: Row, res: dict[str, RewardResult]) -> ScoredRow:
        applied = [e.weight * res[e.name].score for e in entries if res[e.name].score is not None]
        components: dict[str, float | None] = {}
        info: dict[str, Any] = {}
        for e in entries:
            r = res[e.name]
            components[e.name] = r.score
            components.update({k if k.startswith(e.name + "/") else f"{e.name}/{k}": v for k, v in r.components.items()})
            if r.info or r.status != "ok":
                info[e.name] = dict(r.info) if r.status == "ok" else {**r.info, "status": r.status}
        if any(e.weight < 0 for e in entries):  # keep the task and penalty parts apart
            parts = [(e.weight, res[e.name].score) for e in entries if res[e.name].score is not None]
            components["reward/task"] = sum(w * v for w, v in parts if w >= 0)
            components["reward/penalty"] = -sum(w * v for w, v in parts if w < 0)
        status = max((r.status for r in res.values()), key=STATUS_PRIORITY.__getitem__, default="ok")
        clean = {k: v for k, v in row.items() if k != "_correct"}
        return ScoredRow(clean, sum(applied) if applied else None, status, components, info, dict(res))

    def _score_domain(self, domain: str, rows: list[Row]) -> list[ScoredRow]:
        entries = self.specs[domain]
        results: list[dict[str, RewardResult]] = [{} for _ in rows]
        for entry in entries:
            if not entry.is_correctness:
                self._fill_correct(entries, rows, results)
            for res, r in zip(results, self._call(entry, rows)):
                res[entry.name] = r
        return [self._combine(entries, row, res) for row, res in zip(rows, results)]

    def score(self, rows: Sequence[Row]) -> list[ScoredRow]:
        """Score a mixed-domain batch (input rows are not modified); output keeps the input order.

        Raises KeyError naming the domain when a row's ``domain`` is not configured.
        """
        by_domain: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            domain = row.get("domain")
            if domain not in self.specs:
                raise KeyError(f"row {row.get('id', i)!r}: unknown domain {domain!r}; "
                               f"configured domains: {', '.join(self.domains())}")
            by_domain[domain].append(i)
        out: list[ScoredRow | None] = [None] * len(rows)
        for domain, idx in by_domain.items():
            for i, scored in zip(idx, self._score_domain(domain, [dict(rows[i]) for i in idx])):
                out[i] = scored
        return out  # type: ignore[return-value]

    def score_rows(self, rows: Sequence[Row]) -> list[Row]:
        """:meth:`score` as output-row dicts (row + reward, components, status, info)."""
        return [s.to_dict() for s in self.score(rows)]

    # ---- TRL -----------------------------------------------------------------------------
    @staticmethod
    def _trl_rows(prompts: Sequence[Any], completions: Sequence[Any], columns: dict[str, Any]) -> list[Row]:
        n = len(completions)
        if len(prompts) != n:
            raise ValueError(f"TRL reward: {len(prompts)} prompts but {n} completions")
        cols = {k: v for k, v in columns.items()
                if k not in _TRL_NON_COLUMNS and isinstance(v, (list, tuple)) and len(v) == n}
        ids = columns.get("completion_ids")
        rows = []
        for i in range(n):
            row = {"prompt": prompts[i], "completion": completions[i], **{k: v[i] for k, v in cols.items()}}
            if "completion_tokens" not in row and isinstance(ids, (list, tuple)) and len(ids) == n:
                row["completion_tokens"] = len(ids[i])
            rows.append(row)
        return rows

    def prescore(self, rows: Sequence[Row]) -> list[ScoredRow]:
        """:meth:`score`, remembered: TRL's reward call for the same prompt and completion takes these scores
        instead of scoring again (dynamic sampling and asynchronous GRPO score before TRL does; a judged
        domain's judge then runs once per completion). Unclaimed scores are dropped past ``AHEAD_LIMIT``."""
        with self._lock:
            scored = self.score(rows)
            if len(self._ahead) > AHEAD_LIMIT:
                self._ahead.clear()
            self._ahead.update((_ahead_key(s.row), s) for s in scored)
        return scored

    def _claim_or_score(self, rows: list[Row]) -> list[ScoredRow]:
        found = [self._ahead.pop(_ahead_key(r), None) for r in rows]
        todo = [i for i, s in enumerate(found) if s is None]
        for i, s in zip(todo, self.score([rows[i] for i in todo]) if todo else []):
            found[i] = s
        self.claimed += len(rows) - len(todo)
        return found  # type: ignore[return-value]

    def _trl_scored(self, prompts: Sequence[Any], completions: Sequence[Any], columns: dict[str, Any]) -> list[ScoredRow]:
        with self._lock:
            data = {k: v for k, v in columns.items() if k not in _TRL_HOOKS}
            if self._last is not None and self._last.matches(prompts, completions, data):
                return self._last.scored
            scored = self._claim_or_score(self._trl_rows(prompts, completions, columns))
            self._last = _TrlBatch(prompts, completions, data, list(completions), scored)
        log = columns.get("log_metric")
        if callable(log) and scored:
            for status in STATUSES[1:]:
                log(f"reward_status/{status}", sum(s.status == status for s in scored) / len(scored))
            _log_domains(log, scored)
        return scored

    def trl_reward_funcs(self) -> list[Callable[..., list[float | None]]]:
        """One TRL reward function per reward name: ``weight_d * score`` on its domains' rows, else None."""

        def make(name: str) -> Callable[..., list[float | None]]:
            def reward_fn(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float | None]:
                out: list[float | None] = []
                for s in self._trl_scored(prompts, completions, columns):
                    w, res = self.weight(s.row["domain"], name), s.results.get(name)
                    out.append(None if w is None or res is None or res.score is None else w * res.score)
                return out

            reward_fn.__name__ = reward_fn.__qualname__ = name
            reward_fn.__doc__ = f"TRL reward function for {name!r} (weight x score on the domains that use it)."
            return reward_fn

        return [make(n) for n in self.reward_names()]
