"""Reward protocol, typed results and the name registry.

A reward scores a *batch* of rows and returns one ``RewardResult`` per row. It has no
side effects. ``score=None`` means the reward does not apply to that row (for example a
math reward on a code row); the router skips it rather than counting a zero.

Rows follow the contract in DESIGN.md: ``id, domain, prompt, completion`` plus optional
``answer, tests, entry_point, language, rubric``.

Register with ``@register_reward("name")``; a second registration of the same name is an
error. Users add their own with a dotted import path in YAML (``name: mypkg.mod:MyReward``),
resolved by :func:`resolve_reward`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Literal, Protocol

from .registry import Registry, import_attr

Status = Literal["ok", "unparseable", "timeout", "error", "flagged"]
STATUSES: tuple[str, ...] = ("ok", "unparseable", "timeout", "error", "flagged")
# Worst status wins when several rewards score one row.
STATUS_PRIORITY = {"ok": 0, "unparseable": 1, "timeout": 2, "error": 3, "flagged": 4}


@dataclass
class RewardResult:
    """Outcome of one reward on one row.

    score: the reward value, or None when the reward does not apply to the row.
    status: ``ok`` or why the score is not a clean judgement.
    components: named sub-scores (for rewards that have parts, e.g. per-criterion judge scores).
    info: free-form diagnostics (sandbox stdout/stderr tails, the parsed answer, ...).
    """

    score: float | None
    status: Status = "ok"
    components: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


Row = dict[str, Any]


class Reward(Protocol):
    """A batch reward. ``params`` come from the YAML entry (everything except name/weight)."""

    name: ClassVar[str]

    def __call__(self, rows: list[Row]) -> list[RewardResult]: ...


# The built-in rewards, imported on first use; users add theirs with @register_reward.
REWARDS = Registry("reward", {
    "code_tests": "rewards.code:CodeTests",
    "constitution_penalty": "rewards.constitution_penalty:ConstitutionPenalty",
    "exact_match": "rewards.logic:ExactMatch",
    "format": "rewards.format:Format",
    "language_consistency": "rewards.language:LanguageConsistency",
    "length_penalty": "rewards.length:LengthPenalty",
    "math_correctness": "rewards.math:MathCorrectness",
    "rubric_judge": "rewards.judge:RubricJudge",
})
_REGISTRY = REWARDS.entries


def register_reward(name: str) -> Callable[[type], type]:
    """Class decorator: register a reward class under ``name``. Duplicate names are rejected."""

    def deco(cls: type) -> type:
        cls.name = name
        return REWARDS.decorator(name)(cls)

    return deco


def registered_rewards() -> dict[str, type]:
    return REWARDS.load_all()


def resolve_reward(name: str) -> type:
    """Return the reward class for a registered name or a ``module.path:ClassName`` import path."""
    if name in REWARDS:
        return REWARDS.get(name)
    if ":" in name:
        try:
            obj = import_attr(name)
        except (ImportError, AttributeError) as e:
            raise KeyError(f"cannot import custom reward {name!r}: {e}") from None
        if not callable(obj):
            raise KeyError(f"custom reward {name!r} is not callable")
        return obj
    raise KeyError(f"unknown reward {name!r}; registered: {', '.join(REWARDS.names())}, "
                   "or give a custom one as 'module.path:ClassName'")


def build_reward(name: str, params: dict[str, Any] | None = None, **deps: Any) -> Reward:
    """Instantiate a reward by name with its YAML params. ``deps`` (sandbox, judge) are passed
    only to rewards whose constructor accepts them."""
    import inspect

    cls = resolve_reward(name)
    params = dict(params or {})
    sig = inspect.signature(cls)
    for key, value in deps.items():
        if key in sig.parameters and key not in params:
            params[key] = value
    try:
        return cls(**params)
    except TypeError as e:
        raise ValueError(f"reward {name!r}: bad params {sorted(params)}: {e}") from None


def completion_text(completion: Any) -> str:
    """The model-written text of a completion: a string, one message, or a list of chat
    messages (TRL conversational format), whose ``assistant`` messages are joined.

    A message without a ``role`` is read as the assistant's: a completion holds only what
    the model wrote, and TRL's own reward tests pass ``[{"content": ...}]``. Messages with
    another role (``tool``, ``user``) are skipped. A message that is not a mapping, or whose
    content is not a string, raises ValueError naming its index, so it is never scored as
    an empty answer.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if isinstance(completion, (list, tuple)):
        parts = []
        for i, m in enumerate(completion):
            if not isinstance(m, dict):
                raise ValueError(f"completion message {i} is a {type(m).__name__}, expected {{role, content}}")
            content = m.get("content")
            if content is not None and not isinstance(content, str):
                raise ValueError(f"completion message {i}: content must be a string, got {type(content).__name__}")
            if m.get("role") in (None, "assistant"):
                parts.append(content or "")
        return "".join(parts)
    return "" if completion is None else str(completion)


def prompt_text(prompt: Any) -> str:
    """The user-visible prompt text (last user message for chat prompts)."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        users = [m for m in prompt if m.get("role") == "user"]
        return str((users[-1] if users else prompt[-1]).get("content") or "") if prompt else ""
    return "" if prompt is None else str(prompt)
