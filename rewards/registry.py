"""One registry style for every pluggable kind (rewards, experts, datasets, stages, rollout, judge
and sandbox backends).

A ``Registry`` holds an explicit table of the built-ins, ``name -> "module:attr"``, imported only
when a name is first asked for (so heavy modules stay unimported), plus the entries added at run
time with ``register(name, obj)`` or the ``decorator(name)`` form. A name is taken once: a second
registration from another origin (``module:qualname``) raises ``ValueError``; the same origin again
(a module re-imported, or a built-in's own decorator running when its module loads) is accepted.

    STAGES = Registry("stage", {"sft": "pipeline.stages.sft:run_sft"})
    STAGES.get("sft")            # imports pipeline.stages.sft on first use

It lives in ``rewards/`` because that is the lowest package: ``experts/`` and ``pipeline/`` both
sit above it, and it imports nothing of the project.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping


def origin_of(obj: Any) -> str:
    """``module:qualname`` of a class or function; a ``module:attr`` string is its own origin."""
    if isinstance(obj, str):
        return obj
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"


def import_attr(path: str) -> Any:
    """Import ``module:attr``; ImportError/AttributeError pass through to the caller."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


class Registry:
    """Built-ins by name (lazy ``module:attr``) plus user registrations; duplicates rejected."""

    def __init__(self, kind: str, builtins: Mapping[str, str] | None = None):
        self.kind = kind
        self.builtins = dict(builtins or {})
        self.entries: dict[str, Any] = {}
        """Loaded or registered entries; a built-in appears here once it has been asked for."""
        self._origins: dict[str, str] = {}

    def register(self, name: str, obj: Any, origin: str | None = None) -> Any:
        """Add ``obj`` under ``name`` (``origin`` defaults to the object's ``module:qualname``)."""
        origin = origin or origin_of(obj)
        taken = self._origins.get(name, self.builtins.get(name))
        if taken is not None and taken != origin and not self._same_script(taken, origin):
            raise ValueError(f"{self.kind} {name!r} is already registered (by {taken})")
        self.entries[name], self._origins[name] = obj, origin
        return obj

    @staticmethod
    def _same_script(taken: str, origin: str) -> bool:
        """A built-in module run as a script (``python -m rewards.math``, a worker) registers as ``__main__``."""
        module, _, attr = origin.partition(":")
        return module == "__main__" and taken.endswith(f":{attr}")

    def decorator(self, name: str, wrap: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
        """``@registry.decorator(name)``: register the decorated object (or ``wrap(obj)``), return it."""

        def deco(obj: Any) -> Any:
            self.register(name, wrap(obj) if wrap else obj, origin_of(obj))
            return obj

        return deco

    def names(self) -> list[str]:
        return sorted(set(self.builtins) | set(self.entries))

    def __contains__(self, name: object) -> bool:
        return name in self.builtins or name in self.entries

    def get(self, name: str) -> Any:
        """The entry for ``name``, importing its built-in module on first use; KeyError if unknown."""
        if name not in self.entries and name in self.builtins:
            target = self.builtins[name]
            obj = import_attr(target)  # importing may run the module's own decorator
            if name not in self.entries:
                self.register(name, obj, target)
        if name not in self.entries:
            raise KeyError(f"unknown {self.kind} {name!r}; choose from {', '.join(self.names())}")
        obj = self.entries[name]
        if isinstance(obj, str):  # registered lazily by the user as "module:attr"
            obj = self.entries[name] = import_attr(obj)
        return obj

    def load_all(self) -> dict[str, Any]:
        """Every entry by name (imports every built-in)."""
        return {name: self.get(name) for name in self.names()}
