#!/usr/bin/env bash
# GPU check: a few GRPO steps in bf16 with HF generate on the embedded model, one SFT step and the
# rewards, on one GPU, then the gpu-marked tests. Needs no network (the embedded model must already
# be in ~/.cache/posttrain, or pass --model DIR); fits in 8 minutes on one GPU.
# Writes bench/results/gpu_check.json (tokens/s per GPU for generation and training).
#
#   scripts/gpu_check.sh                 # on a CUDA machine
#   scripts/gpu_check.sh --dry-run       # CPU smoke of the same path (fp32, tiny sizes, temp output)
#   scripts/gpu_check.sh --model /path/to/model
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
BUDGET=${GPU_CHECK_BUDGET_S:-480}
start=$(date +%s)
timeout "$BUDGET" "$PY" -m bench.gpu_check "$@"
if [[ " $* " != *" --dry-run "* ]]; then
  left=$(( BUDGET - ($(date +%s) - start) ))
  if [ "$left" -gt 30 ]; then
    timeout "$left" "$PY" -m pytest -q -m gpu tests/gpu -p no:cacheprovider
  else
    echo "[gpu_check] no time left for tests/gpu ($left s)" >&2
  fi
fi
echo "[gpu_check] done in $(( $(date +%s) - start )) s"
