"""GPU check preflight: everything scripts/gpu_check.sh needs, listed at once, with how to bring it in offline.

    python -m bench.gpu_preflight                 # exit 0 when all is there, else 2 and the list
    python -m bench.gpu_preflight --model DIR     # check a model folder instead of the embedded model

A bare, air-gapped GPU box may have torch with CUDA, transformers, peft and accelerate, but not TRL,
datasets, Ray, pydantic or math-verify, and no network. Instead of failing at the first missing import,
this lists every missing module and file, then says how to carry each in: wheels downloaded on a machine
with network for the box's Python and platform, installed with ``pip install --no-index``; the embedded
model's cached folder copied over. Standard library only, so it runs wherever Python does.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

# import name -> (distribution to install, why)
REQUIRED = {
    "torch": ("torch", "a CUDA build (the cu12x wheel for this driver)"),
    "transformers": ("transformers", "models and tokenizers"),
    "accelerate": ("accelerate", "mixed precision and FSDP2 under the trainer"),
    "peft": ("peft", "LoRA"),
    "trl": ("trl", "GRPOTrainer, the base of posttrain's V3.2 trainer"),
    "datasets": ("datasets", "the trainer's dataset"),
    "ray": ("ray", "the orchestrator and engine actors"),
    "pydantic": ("pydantic", "the config schema"),
    "math_verify": ("math-verify", "the math reward"),
    "yaml": ("pyyaml", "configs and constitutions"),
    "safetensors": ("safetensors", "checkpoints"),
}
OPTIONAL = {
    "vllm": ("vllm==0.32.0", "the CUDA rollout engine with sleep mode; without it rollouts use HF generate and "
                             "the sleep-mode part is skipped"),
}


def cache_dir() -> Path:
    return Path(os.environ.get("POSTTRAIN_CACHE", Path.home() / ".cache" / "posttrain"))


def missing_modules(names: dict[str, tuple[str, str]]) -> list[str]:
    return [m for m in names if importlib.util.find_spec(m) is None]


def missing_files(model: str | None) -> list[tuple[str, str]]:
    """(path, how to bring it) for each needed file or folder that is not there."""
    folder = Path(model) if model else cache_dir() / "models" / "smollm2-135m-instruct"
    if (folder / "config.json").is_file():
        return []
    how = (f"copy the folder from a machine that has it (there: python -c \"from pipeline.models import resolve_model; "
           f"print(resolve_model('smollm2-135m-instruct'))\"), e.g. rsync -a that/folder/ {folder}/, or pass "
           "--model DIR with any HF causal LM folder")
    return [(str(folder), how)]


def cuda_state() -> str | None:
    """None when torch sees a CUDA device, else why not (torch not imported if it is missing)."""
    if importlib.util.find_spec("torch") is None:
        return "torch is missing"
    import torch

    if not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA device (a CPU build, or no driver/GPU visible)"
    return None


def report(model: str | None = None, need_cuda: bool = True) -> tuple[bool, str]:
    """(ready, the message listing everything missing and how to bring it in offline)."""
    mods, opt, files = missing_modules(REQUIRED), missing_modules(OPTIONAL), missing_files(model)
    cuda = cuda_state() if need_cuda else None
    lines = []
    if mods:
        dists = " ".join(REQUIRED[m][0] for m in mods)
        lines.append(f"missing modules ({len(mods)}): " + ", ".join(f"{m} ({REQUIRED[m][1]})" for m in mods))
        lines.append(f"  offline: on a machine with network and the same Python {sys.version_info.major}."
                     f"{sys.version_info.minor} and platform: pip download -d wheels {dists}  (or "
                     f"pip download -d wheels -e '.[gpu,test]' from a posttrain checkout); copy wheels/ here, then "
                     f"{sys.executable} -m pip install --no-index --find-links wheels {dists}")
    for m in opt:
        lines.append(f"optional module missing: {m} ({OPTIONAL[m][1]}); offline: pip download -d wheels "
                     f"{OPTIONAL[m][0]} there, pip install --no-index --find-links wheels {OPTIONAL[m][0]} here")
    for path, how in files:
        lines.append(f"missing model folder: {path}; {how}")
    if cuda:
        lines.append(f"no GPU: {cuda}")
    ready = not mods and not files and not cuda
    return ready, "\n".join(["gpu_check preflight: ready" if ready else "gpu_check preflight: not ready", *lines])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="model folder to use instead of the embedded model")
    p.add_argument("--no-cuda", action="store_true", help="do not require a CUDA device (CPU dry runs)")
    args, _ = p.parse_known_args(argv)
    ready, text = report(args.model, need_cuda=not args.no_cuda)
    print(text, file=sys.stdout if ready else sys.stderr)
    return 0 if ready else 2


if __name__ == "__main__":
    raise SystemExit(main())
