"""``constitution_penalty``: how far a response breaks the constitution's principles, for any domain.

    penalty = ConstitutionPenalty(backend=judge_backend, constitution="configs/constitutions/default.yaml")
    results = penalty(rows)          # score = weighted violation in [0, 1]; 0 = breaks no principle

YAML (the router subtracts it: ``reward = task − λ·violation``, see rewards/router.py):
``math: [{name: math_correctness}, {name: constitution_penalty, penalty: 0.2}]``; without
``penalty`` or a weight the router uses λ = 0.2 (:data:`DEFAULT_LAMBDA`).

The judge machinery is the rubric judge's (rewards/judge.py: prompt, guided decoding, parser,
one retry turn, cache, guard, master-key check, backend timeouts and retries); only the
criteria differ: always the constitution's principles (or the ``principles`` ids given), never
the row's or the domain's rubric. The judge scores each principle's *adherence* a_i in [0, 1];
the violation of principle i is ``v_i = max(0, threshold − a_i) / threshold`` (``threshold``
0.5: a principle scored at least half the scale is not broken; 1.0 gives ``1 − a_i``), and the
score is ``sum_i w_i v_i / sum_i w_i``. ``components["constitution_penalty/<principle id>"]``
holds each v_i and ``info["violated"]`` lists the principles with v_i > 0.

Statuses follow the rubric judge: a backend that is unreachable, slow (timeout) or answers
garbage twice gives status ``error`` / ``unparseable`` with score None (the router leaves the
penalty out of the sum, so the task reward stands), never a stall or a silent zero. A guarded
(flagged under ``penalize``) or content-free answer breaks every principle: violation 1.0.
Departure from the paper: Constitutional AI's critic is a large model with natural-language
critiques; ours is the configured judge scoring each principle on the constitution's scale.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .base import RewardResult, register_reward
from .constitution import Criterion, criterion_id
from .judge import RubricJudge

DEFAULT_LAMBDA = 0.2
"""λ the router uses for a penalty reward configured without ``penalty`` or ``weight``."""
PREFIX = "constitution_penalty"
JUDGE_REWARDS = ("rubric_judge", "constitution_penalty")
"""Rewards that call the judge (the pipeline builds the judge backend when a domain uses one)."""


@register_reward("constitution_penalty")
class ConstitutionPenalty(RubricJudge):
    """Weighted principle violation in [0, 1], judged by the configured judge; a penalty reward."""

    is_correctness: ClassVar[bool] = False
    is_penalty: ClassVar[bool] = True

    def __init__(self, backend: Any = None, constitution: Any = None, guard: str = "penalize",
                 threshold: float = 0.5, principles: list[str] | None = None, **judge_params: Any):
        super().__init__(backend=backend, constitution=constitution, guard=guard, **judge_params)
        if not 0 < threshold <= 1:
            raise ValueError(f"constitution_penalty: threshold must be in (0, 1], got {threshold!r}")
        known = [p.id for p in self.constitution.principles]
        unknown = sorted(set(principles or []) - set(known))
        if unknown:
            raise ValueError(f"constitution_penalty: principles {unknown} are not in the constitution; known: {', '.join(known)}")
        chosen = [p for p in self.constitution.principles if not principles or p.id in principles]
        self.criteria = [Criterion(criterion=p.text, weight=p.weight, id=p.id) for p in chosen]
        self.threshold = threshold
        self.version += "+penalty"

    def _texts(self, row: dict[str, Any]) -> tuple[list[Criterion], str, str]:
        _, prompt, response = super()._texts({**row, "rubric": None})
        return list(self.criteria), prompt, response

    def _violation(self, res: RewardResult) -> RewardResult:
        if res.score is None:
            return res
        weights = {criterion_id(c): c.weight for c in self.criteria}
        adherence = {cid: res.components.get(f"rubric_judge/{cid}", 0.0) for cid in weights}  # flagged: none judged
        if res.status == "flagged" and not res.components:
            adherence = dict.fromkeys(weights, 0.0)
        viol = {cid: max(0.0, self.threshold - a) / self.threshold for cid, a in adherence.items()}
        score = sum(weights[c] * v for c, v in viol.items()) / sum(weights.values())
        info = {**res.info, "violated": [c for c, v in viol.items() if v > 0], "threshold": self.threshold}
        return RewardResult(score, res.status, {f"{PREFIX}/{c}": v for c, v in viol.items()}, info)

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._violation(r) for r in super().__call__(rows)]
