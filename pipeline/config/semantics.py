"""Config checks that need the registries or the file system.

Run by ``parse_config`` after the schema checks. Each failure is a ``ConfigError`` naming
the dotted field path: unknown domains, unknown reward names, missing constitution or
data files, an invalid constitution.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .schema import PipelineConfig
from ..errors import ConfigError
from ..vocab import MODES, STAGE_KINDS
from .batching import check_training
from .rollout_checks import check_rollout_scale
from ..paths import resolve_path
from ..run.run_store import check_output_dir


def known_domains() -> list[str]:
    from experts.base import registered_experts

    return sorted(registered_experts())


def _check_domain(path: str, domain: str, domains: list[str]) -> None:
    if domain not in domains:
        raise ConfigError(path, f"unknown domain {domain!r}; choose from {', '.join(domains)}")


def _check_rewards(cfg: PipelineConfig, domains: list[str]) -> None:
    from rewards.base import resolve_reward

    for domain, specs in cfg.rewards.items():
        _check_domain(f"rewards.{domain}", domain, domains)
        for i, spec in enumerate(specs):
            try:
                resolve_reward(spec.name)
            except KeyError as e:
                raise ConfigError(f"rewards.{domain}[{i}].name", str(e).strip("'\"")) from None


def _check_judge(j: Any, at: str) -> None:
    """Backend/endpoint consistency of a judge section (``judge`` or ``gold_judge``)."""
    if j.serve and j.backend != "openai":
        raise ConfigError(f"{at}.serve", f"needs {at}.backend=openai (the served judge is an OpenAI-compatible endpoint)")
    if j.serve and j.base_url:
        raise ConfigError(f"{at}.base_url", f"must be unset when {at}.serve=true (the stage starts the server); "
                                            f"drop base_url to serve the judge, or {at}.serve to attach to base_url")
    if j.backend == "openai" and not j.base_url and not j.serve:
        raise ConfigError(f"{at}.base_url", f"required when {at}.backend=openai (e.g. http://judge:8000/v1), "
                                            f"unless {at}.serve=true")


def _check_files(cfg: PipelineConfig) -> None:
    needs_judge = any(s.name in ("rubric_judge", "constitution_penalty") for specs in cfg.rewards.values() for s in specs) or "writing" in cfg.domains
    if needs_judge:
        path = resolve_path(cfg.judge.constitution)
        if not path.is_file():
            raise ConfigError("judge.constitution", f"file {cfg.judge.constitution!r} not found; point it at a constitution YAML")
        from rewards.constitution import ConstitutionError, load_constitution

        try:
            load_constitution(path)
        except ConstitutionError as e:
            raise ConfigError("judge.constitution", f"{path}: {e}") from None
    _check_judge(cfg.judge, "judge")
    if cfg.gold_judge is not None:
        _check_judge(cfg.gold_judge, "gold_judge")
        path = resolve_path(cfg.gold_judge.constitution)
        if not path.is_file():
            raise ConfigError("gold_judge.constitution", f"file {cfg.gold_judge.constitution!r} not found")
    if cfg.sandbox.backend == "remote" and not cfg.sandbox.url:
        raise ConfigError("sandbox.url", "required when sandbox.backend=remote")
    for domain, src in cfg.data.items():
        s = src.source
        if s and (s.endswith((".jsonl", ".json", ".parquet")) or s.startswith((".", "/", "~"))) and not resolve_path(s).exists():
            raise ConfigError(f"data.{domain}.source", f"file {s!r} not found")


def check_semantics(cfg: PipelineConfig, base_dir: Path) -> None:
    domains = known_domains()
    for i, d in enumerate(cfg.domains):
        _check_domain(f"domains[{i}]", d, domains)
    for section in ("experts", "data", "mixed.domains", "mixed.kl_beta", "sft.domain_weights"):
        node = cfg
        for part in section.split("."):
            node = getattr(node, part)
        for d in node:
            _check_domain(f"{section}.{d}", d, domains)
    for kind in cfg.resources:
        if kind not in STAGE_KINDS:
            raise ConfigError(f"resources.{kind}", f"unknown stage kind; choose from {', '.join(STAGE_KINDS)}")
    _check_mode_experts(cfg)
    check_output_dir(cfg.output_dir)
    _check_rewards(cfg, domains)
    _check_files(cfg)
    _check_report_to(cfg)
    _check_start_points(cfg)
    check_training(cfg)
    check_rollout_scale(cfg)


def _check_mode_experts(cfg: PipelineConfig) -> None:
    for mode, gen in cfg.distill.mode_experts.items():
        path = f"distill.mode_experts.{mode}"
        if mode not in MODES:
            raise ConfigError(path, f"unknown mode; use one of {', '.join(MODES)}")
        if gen in ("base", "expert"):
            continue
        if not gen.startswith("expert:") or gen.split(":", 1)[1] not in cfg.experts:
            raise ConfigError(path, f"{gen!r} is not 'base', 'expert' or 'expert:<domain>' with the domain "
                                    f"listed under experts ({', '.join(cfg.experts) or 'none'})")


# logging.report_to name -> (modules, any of which makes it work; how to install it)
TRACKERS = {"tensorboard": (("tensorboard", "tensorboardX"), "pip install tensorboard"),
            "wandb": (("wandb",), "pip install 'posttrain[wandb]'"),
            "mlflow": (("mlflow",), "pip install 'posttrain[mlflow]'")}


def _check_report_to(cfg: PipelineConfig) -> None:
    """Each tracker must be importable here, or the trainer would fail when it starts."""
    import importlib.util

    for name in cfg.logging.report_to:
        modules, install = TRACKERS[name]
        if not any(importlib.util.find_spec(m) for m in modules):
            raise ConfigError("logging.report_to", f"{name!r} is not installed in this environment; {install} "
                                                   f"(on every node of a cluster), or remove {name!r} from the list")


def _check_start_points(cfg: PipelineConfig) -> None:
    """``<stage>.init_model`` paths exist; ``<stage>.resume_from`` is a trainer checkpoint folder."""
    stages = {"sft": cfg.sft, "mixed": cfg.mixed, **{f"experts.{d}": e for d, e in cfg.experts.items()}}
    for where, section in stages.items():
        init = section.init_model
        if init and init.startswith((".", "/", "~")) and not resolve_path(init).exists():
            raise ConfigError(f"{where}.init_model", f"model path {init!r} does not exist; point at a HF model folder "
                                                     "(e.g. <run>/sft/checkpoint), an alias or a hub id")
        path = section.resume_from
        if path is None:
            continue
        folder = resolve_path(path)
        if not folder.is_dir():
            raise ConfigError(f"{where}.resume_from", f"checkpoint folder {path!r} does not exist; point at a trainer "
                                                      "checkpoint such as <run>/sft/trainer/checkpoint-50")
        if not (folder / "trainer_state.json").is_file():
            raise ConfigError(f"{where}.resume_from", f"{path!r} is not a trainer checkpoint (no trainer_state.json); "
                                                      "point at a checkpoint-N folder a training stage wrote, or use "
                                                      f"{where}.init_model to start from a model folder")
