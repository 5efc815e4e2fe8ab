"""Loading a config: YAML file + dotted ``key=value`` overrides -> validated ``PipelineConfig``.

Validation errors become one ``ConfigError`` naming the dotted field (``experts.math.steps``);
the checks that need files or registries run afterwards in ``semantics.check_semantics``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ConfigError
from .schema import PipelineConfig
from .semantics import check_semantics


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``a.b.c=value`` overrides (value parsed as YAML) onto a nested dict."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(item, "override must look like dotted.key=value")
        node: Any = data
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            nxt = node[_index(node, parts, i)] if isinstance(node, list) else node.setdefault(part, {})
            if not isinstance(nxt, (dict, list)):
                raise ConfigError(".".join(parts[: i + 1]), f"is a {type(nxt).__name__}, cannot set {key}")
            node = nxt
        last = parts[-1]
        try:
            value = yaml.safe_load(raw) if raw else None
        except yaml.YAMLError as e:
            raise ConfigError(key, f"value {raw!r} is not valid YAML ({_yaml_problem(e)})") from None
        if isinstance(node, list):
            node[_index(node, parts, len(parts) - 1)] = value
        else:
            node[last] = value
    return data


def _index(node: list[Any], parts: list[str], i: int) -> int:
    """``parts[i]`` as an index into the list ``node``, or a ConfigError naming the path."""
    where = ".".join(parts[:i]) or parts[0]
    try:
        idx = int(parts[i])
    except ValueError:
        raise ConfigError(where, f"is a list; use an index (0..{len(node) - 1}), not {parts[i]!r}") from None
    if not -len(node) <= idx < len(node):
        raise ConfigError(where, f"index {idx} out of range: the list has {len(node)} item(s)")
    return idx


def _yaml_problem(e: yaml.YAMLError) -> str:
    """One line for a YAML error: the problem and its line/column (1-based)."""
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_config(data: dict[str, Any], base_dir: Path | None = None) -> PipelineConfig:
    """Validate a dict into a PipelineConfig; raise ConfigError with the first problem."""
    try:
        cfg = PipelineConfig.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see `posttrain validate --help` for the schema)"
        raise ConfigError(_loc(err["loc"]), msg) from None
    check_semantics(cfg, base_dir or Path.cwd())
    return cfg


def load_config(path: str | Path, overrides: list[str] | None = None) -> PipelineConfig:
    path = Path(path)
    if not path.is_file():
        raise ConfigError("", f"config file {str(path)!r} not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError("", f"{path}: invalid YAML: {_yaml_problem(e)}") from None
    if not isinstance(data, dict):
        raise ConfigError("", f"{path}: top level must be a mapping")
    return parse_config(apply_overrides(data, overrides or []))
