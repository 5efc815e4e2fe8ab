"""Route each row to its domain's weighted reward list and combine the results.

    router = RewardRouter({"math": [{"name": "math_correctness", "weight": 1.0},
                                    {"name": "length_penalty", "weight": 0.2}]},
                          sandbox=sb, backend=judge_backend, constitution=const)
    scored = router.score_rows(rows)        # rows + reward, components, status, info
    funcs = router.trl_reward_funcs()       # one TRL reward function per reward name

Per domain, rewards run in config order. Before a reward that is not a correctness reward
runs, ``row["_correct"]`` is set from the earlier correctness rewards (score >= 1), so
``length_penalty`` can penalise verbosity among correct answers. The row's reward is
sum(weight * score) over rewards that applied (None if none did); its status is the worst
of its rewards' statuses. A reward that raises marks its rows ``error`` instead of failing
the batch. Dependencies (``sandbox``, ``backend``, ``constitution``, ``guard``) are passed to
the reward constructors that accept them.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from .base import STATUS_PRIORITY, RewardResult, build_reward


class RewardRouter:
    def __init__(self, domains: dict[str, list[Any]], **deps: Any):
        self.specs: dict[str, list[tuple[str, float, Any]]] = {}
        built: dict[tuple[str, str], Any] = {}
        for domain, entries in domains.items():
            self.specs[domain] = []
            for e in entries:
                e = e.model_dump() if hasattr(e, "model_dump") else dict(e)
                key = (e["name"], repr(sorted((e.get("params") or {}).items())))
                if key not in built:
                    built[key] = build_reward(e["name"], e.get("params"), **deps)
                self.specs[domain].append((e["name"], float(e.get("weight", 1.0)), built[key]))
        self._last: tuple[Any, list[dict[str, Any]]] | None = None

    def _run_domain(self, domain: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results: list[dict[str, RewardResult]] = [{} for _ in rows]
        for name, _, reward in self.specs[domain]:
            if not getattr(reward, "is_correctness", False):
                for r, res in zip(rows, results):
                    flags = [v.score >= 1.0 for n, v in res.items() if v.score is not None and getattr(self._reward(domain, n), "is_correctness", False)]
                    r["_correct"] = all(flags) if flags else None
            try:
                out = reward(rows)
            except Exception as e:  # noqa: BLE001 - one broken reward never sinks the batch
                out = [RewardResult(None, "error", info={"exception": f"{type(e).__name__}: {e}"[:300]}) for _ in rows]
            for res, o in zip(results, out):
                res[name] = o
        return [self._combine(domain, r, res) for r, res in zip(rows, results)]

    def _reward(self, domain: str, name: str) -> Any:
        return next(rw for n, _, rw in self.specs[domain] if n == name)

    def _combine(self, domain: str, row: dict[str, Any], res: dict[str, RewardResult]) -> dict[str, Any]:
        weights = {n: w for n, w, _ in self.specs[domain]}
        applied = [(weights[n], r.score) for n, r in res.items() if r.score is not None]
        components: dict[str, float | None] = {}
        for n, r in res.items():
            components[n] = r.score
            components.update(r.components if n == "rubric_judge" else {f"{n}/{k}": v for k, v in r.components.items()})
        status = max((r.status for r in res.values()), key=lambda s: STATUS_PRIORITY[s], default="ok")
        out = {k: v for k, v in row.items() if k != "_correct"}
        out.update(reward=sum(w * s for w, s in applied) if applied else None, components=components, status=status,
                   info={n: r.info for n, r in res.items() if r.info})
        return out

    def domains(self) -> list[str]:
        return sorted(self.specs)

    def score_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Score a mixed-domain batch; output rows keep the input order."""
        by_domain: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            d = r.get("domain")
            if d not in self.specs:
                raise KeyError(f"row {r.get('id', i)!r}: unknown domain {d!r}; configured: {', '.join(self.domains())}")
            by_domain[d].append(i)
        out: list[dict[str, Any] | None] = [None] * len(rows)
        for d, idx in by_domain.items():
            for i, scored in zip(idx, self._run_domain(d, [dict(rows[i]) for i in idx])):
                out[i] = scored
        return out  # type: ignore[return-value]

    def _score_trl(self, prompts: list[Any], completions: list[Any], columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
        key = (id(prompts), id(completions), len(completions))
        if self._last is None or self._last[0] != key:
            rows = [{"prompt": p, "completion": c, **{k: v[i] for k, v in columns.items() if isinstance(v, list) and len(v) == len(completions)}}
                    for i, (p, c) in enumerate(zip(prompts, completions))]
            self._last = (key, self.score_rows(rows))
        return self._last[1]

    def trl_reward_funcs(self) -> list[Callable[..., list[float | None]]]:
        """One TRL reward function per reward name: weight_d * score for rows of domains that use it, else None."""
        names = list(dict.fromkeys(n for specs in self.specs.values() for n, _, _ in specs))

        def make(name: str) -> Callable[..., list[float | None]]:
            def fn(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float | None]:
                scored = self._score_trl(prompts, completions, columns)
                out: list[float | None] = []
                for row in scored:
                    w = next((w for n, w, _ in self.specs[row["domain"]] if n == name), None)
                    s = row["components"].get(name)
                    out.append(None if w is None or s is None else w * s)
                return out

            fn.__name__ = name
            return fn

        return [make(n) for n in names]
