"""ExpertSpec and its registry: one spec per domain, registered with ``@register_expert``.

    @register_expert("math")
    def math_expert() -> ExpertSpec:
        return ExpertSpec(domain="math", prompt_template="{prompt} Put the final answer in \\\\boxed{{}}.",
                          rewards=({"name": "math_correctness", "weight": 1.0},), group_size=8)

    get_expert("math").format_prompt(row)      # the template applied to row["prompt"]
    registered_experts()                       # {domain: ExpertSpec}, built-ins included

A spec names the domain's dataset builder (``experts.datasets`` registry), its prompt
template, default reward list (canonical reward names, ``{name, weight, params}``), tools,
and training defaults; ``experts.<domain>`` in a config overrides the defaults. A second
registration of a domain from a different place is an error. This module imports nothing
from ``pipeline/`` (lower layers never import higher ones).
Departure from the paper: V3.2 trains each specialist at scale with its own data mix; the
defaults here are sized for the embedded 135M model on CPU.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from typing import Any, Callable, Mapping, Union

from rewards.registry import Registry, origin_of

MODES = ("thinking", "non_thinking", "both")
CANONICAL_REWARDS = ("math_correctness", "code_tests", "exact_match", "length_penalty",
                     "language_consistency", "format", "rubric_judge")
LORA_KEYS = ("r", "alpha", "targets")
DEFAULT_LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")
Tool = Union[Callable[..., str], str]


def lora(r: int = 16, alpha: int = 32, targets: tuple[str, ...] = DEFAULT_LORA_TARGETS) -> dict[str, Any]:
    """A LoRA setting for ``ExpertSpec.lora``."""
    return {"r": r, "alpha": alpha, "targets": list(targets)}


def _reward_entry(entry: Any, domain: str) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or set(entry) - {"name", "weight", "params"}:
        raise ValueError(f"expert {domain!r}: reward entries are {{name, weight, params}}, got {entry!r}")
    weight, params = entry.get("weight", 1.0), entry.get("params") or {}
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not isinstance(params, dict):
        raise ValueError(f"expert {domain!r}: reward {entry['name']!r} needs a numeric weight and a params dict")
    return {"name": entry["name"], "weight": float(weight), "params": dict(params)}


@dataclass(frozen=True)
class ExpertSpec:
    """Everything that defines one domain expert; config ``experts.<domain>`` overrides the defaults."""

    domain: str
    dataset: str = ""  # dataset builder name in experts.datasets; "" = the domain's own
    prompt_template: str = "{prompt}"  # str.format template with {prompt}; literal braces doubled
    rewards: tuple[dict[str, Any], ...] = ()  # default reward list: {name, weight, params}
    tools: tuple[Tool, ...] = ()  # callables (or names in experts.tools.TOOLS) for multi-turn rollouts
    group_size: int = 8  # GRPO completions per prompt
    prompts_per_step: int = 1  # prompts (groups) per optimizer step on each training worker
    max_prompt_len: int = 256  # tokens, after the template and chat wrapping
    max_tokens: int = 128  # new tokens per completion
    learning_rate: float = 1e-5
    steps: int = 20
    kl_beta: float = 0.0  # per-domain KL weight; 0 = no reference model
    lora: dict[str, Any] | None = None  # {r, alpha, targets} or None for full fine-tuning
    mode: str = "non_thinking"  # thinking | non_thinking | both
    description: str = ""

    def __post_init__(self) -> None:
        d = self.domain
        if not d or not isinstance(d, str):
            raise ValueError("ExpertSpec.domain must be a non-empty string")
        object.__setattr__(self, "dataset", self.dataset or d)
        object.__setattr__(self, "rewards", tuple(_reward_entry(e, d) for e in self.rewards))
        object.__setattr__(self, "tools", tuple(self.tools))
        if self.mode not in MODES:
            raise ValueError(f"expert {d!r}: mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.group_size < 2 or min(self.steps, self.prompts_per_step, self.max_prompt_len, self.max_tokens) < 1:
            raise ValueError(f"expert {d!r}: group_size >= 2; steps, prompts_per_step, max_prompt_len and "
                             "max_tokens >= 1")
        if self.learning_rate <= 0 or self.kl_beta < 0:
            raise ValueError(f"expert {d!r}: learning_rate must be > 0 and kl_beta >= 0")
        if self.lora is not None and (set(self.lora) - set(LORA_KEYS) or not {"r", "alpha"} <= set(self.lora)):
            raise ValueError(f"expert {d!r}: lora is None or {{r, alpha, targets}}, got {self.lora!r}")
        self.format_prompt({"prompt": "probe"})  # a bad template fails at registration, not mid-run

    def format_prompt(self, row: dict[str, Any]) -> str:
        """The row's plain prompt with this expert's instructions added."""
        try:
            return self.prompt_template.format(prompt=row["prompt"])
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"expert {self.domain!r}: bad prompt_template {self.prompt_template!r} "
                             f"(use {{prompt}} and double literal braces): {e}") from None

    def reward_specs(self) -> list[dict[str, Any]]:
        """A fresh copy of the default reward list."""
        return copy.deepcopy(list(self.rewards))

    def tool_functions(self, bound: Mapping[str, Callable[..., str]] | None = None) -> list[Callable[..., str]]:
        """The tools as callables (names are looked up in ``experts.tools.TOOLS``); a tool whose name
        is in ``bound`` is replaced by that callable (e.g. ``run_python`` on the run's sandbox)."""
        from .tools import resolve_tool

        tools = [resolve_tool(t) for t in self.tools]
        return [(bound or {}).get(t.__name__, t) for t in tools]

    def training_defaults(self) -> dict[str, Any]:
        """The fields a config's ``experts.<domain>`` section can override."""
        keys = ("group_size", "prompts_per_step", "max_prompt_len", "max_tokens", "learning_rate", "steps",
                "kl_beta", "lora", "mode")
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name in keys}


# The built-in domains, imported on first use; users add theirs with @register_expert.
EXPERTS = Registry("expert", {
    "agentic_code": "experts.agentic_code:agentic_code_expert",
    "agentic_search": "experts.agentic_search:agentic_search_expert",
    "code": "experts.code:code_expert",
    "logic": "experts.logic:logic_expert",
    "math": "experts.math:math_expert",
    "writing": "experts.writing:writing_expert",
})
SpecOrFactory = Union[ExpertSpec, Callable[[], ExpertSpec]]


def register_expert(name: str) -> Callable[[SpecOrFactory], SpecOrFactory]:
    """Decorator for a zero-argument function returning the ``ExpertSpec`` of domain ``name``
    (an ``ExpertSpec`` instance is accepted too). Returns its argument unchanged. Registering
    ``name`` again from somewhere else raises ``ValueError``."""

    def deco(obj: SpecOrFactory) -> SpecOrFactory:
        spec = obj if isinstance(obj, ExpertSpec) else obj()
        if not isinstance(spec, ExpertSpec):
            raise TypeError(f"@register_expert({name!r}) needs an ExpertSpec or a function returning one")
        if spec.domain != name:
            raise ValueError(f"@register_expert({name!r}) got a spec for domain {spec.domain!r}")
        EXPERTS.register(name, spec, origin=repr(obj) if isinstance(obj, ExpertSpec) else origin_of(obj))
        return obj

    return deco


def registered_experts() -> dict[str, ExpertSpec]:
    """Every registered expert by domain (importing the built-in ones first)."""
    return EXPERTS.load_all()


def get_expert(name: str) -> ExpertSpec:
    if name not in EXPERTS:
        raise KeyError(f"unknown domain {name!r}; registered: {', '.join(EXPERTS.names())}")
    return EXPERTS.get(name)
