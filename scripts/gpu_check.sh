#!/usr/bin/env bash
# GPU check: a preflight that lists everything missing at once (and how to bring it in offline), then
# posttrain's own trainer path (V3.2 loss, rollout adapter, vLLM sleep mode where vLLM exists, bf16
# mixed precision), the same under torchrun with FSDP2 over a world of 1, GRPO/SFT/generation throughput
# and the rewards, then the gpu-marked tests. Needs no network (the embedded model must already be in
# ~/.cache/posttrain, or pass --model DIR); fits in 8 minutes on one GPU.
# Writes bench/results/gpu_check.json and gpu_check_fsdp.json.
#
#   scripts/gpu_check.sh                 # on a CUDA machine
#   scripts/gpu_check.sh --preflight     # only the preflight (exit 2 and the list when something is missing)
#   scripts/gpu_check.sh --dry-run       # CPU smoke of the same path (fp32, tiny sizes, temp output)
#   scripts/gpu_check.sh --model /path/to/model
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
BUDGET=${GPU_CHECK_BUDGET_S:-480}
start=$(date +%s)
args=()
for a in "$@"; do [ "$a" != "--preflight" ] && args+=("$a"); done
pre=()
[[ " $* " == *" --dry-run "* ]] && pre+=(--no-cuda)
"$PY" -m bench.gpu_preflight "${pre[@]}" "${args[@]}"   # stdlib only: runs even when most modules are missing
[[ " $* " == *" --preflight "* ]] && exit 0
timeout "$BUDGET" "$PY" -m bench.gpu_check "${args[@]}"
if [[ " $* " != *" --dry-run "* ]]; then
  left=$(( BUDGET - ($(date +%s) - start) ))
  timeout "$left" "$PY" -m torch.distributed.run --standalone --nproc_per_node=1 -m bench.gpu_check --part trainer \
    --fsdp "${args[@]}"
  left=$(( BUDGET - ($(date +%s) - start) ))
  if [ "$left" -gt 30 ]; then
    timeout "$left" "$PY" -m pytest -q -m gpu tests/gpu -p no:cacheprovider
  else
    echo "[gpu_check] no time left for tests/gpu ($left s)" >&2
  fi
fi
echo "[gpu_check] done in $(( $(date +%s) - start )) s"
