"""Import layering guard: no import cycle between project modules, and nothing lower imports higher.

Walks every module of the packages ``pipeline``, ``rewards`` and ``experts`` with ``ast`` (no
import is executed), resolves relative imports, and checks two rules:

- ``rewards/`` and ``experts/`` never import ``pipeline/`` (at module level or inside functions);
- the import graph has no cycle, neither at module level nor through imports deferred into
  functions (a deferred import hides a cycle from Python, not from the design). Registries load
  their built-ins by ``"module:attr"`` strings (rewards/registry.py), which are not imports.

    .venv/bin/python -m pytest -q tests/unit/test_layering.py -p no:cacheprovider
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
PACKAGES = ("pipeline", "rewards", "experts")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported project module, at module level?) for every import statement in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    package = name.split(".") if is_pkg else name.split(".")[:-1]
    top = {id(n) for n in tree.body} | {id(n) for s in tree.body if isinstance(s, (ast.If, ast.Try))
                                         for n in ast.walk(s)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.append((t, id(node) in top))
    return found


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()
    eager, every = {}, {}
    for name, path in modules.items():
        imps = _imports(name, path, modules)
        eager[name] = {t for t, at_top in imps if at_top}
        every[name] = {t for t, _ in imps}
    return eager, every


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_level_import_cycle():
    eager, _ = _graph()
    cycle = _cycle(eager)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycle_through_deferred_imports():
    _, every = _graph()
    cycle = _cycle(every)
    assert cycle is None, "import cycle (counting imports inside functions): " + " -> ".join(cycle or [])


def test_rewards_and_experts_never_import_pipeline():
    _, every = _graph()
    upward = sorted(f"{m} imports {t}" for m, ts in every.items() if m.split(".")[0] in ("rewards", "experts")
                    for t in ts if t.split(".")[0] == "pipeline")
    assert not upward, "lower layer imports pipeline/: " + "; ".join(upward)
