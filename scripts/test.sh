#!/usr/bin/env bash
# README command 2: set everything up (with test tools and Chromium), then run the whole suite.
# Extra arguments go to pytest, e.g. `./scripts/test.sh -m "not integration"`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --dev

# Debian packages the tests use, installed only when missing: chromium (browser test) and
# Tesseract with English and Korean (OCR of scanned PDFs).
missing=""
command -v chromium >/dev/null 2>&1 || missing="chromium"
for pkg in tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing Debian packages for the tests:$missing"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        echo "==> missing:$missing; the browser and OCR tests will be skipped (apt-get install$missing)"
    fi
fi

.venv/bin/ruff check .
# The layering (.importlinter) and the types ([tool.mypy] in pyproject.toml) are checked like the lint.
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
# mypy exits 1 on a type error and 2 when it crashes. A crash is printed with its traceback and
# checked once more without mypy's cache and its native parser (one CI run crashed with no file named,
# which no run here repeated); a type error is never run again.
mypy_rc=0
.venv/bin/mypy --show-traceback || mypy_rc=$?
if [ "$mypy_rc" = "2" ]; then
    echo "==> mypy crashed; checking again without its cache and native parser"
    .venv/bin/mypy --show-traceback --no-native-parser --cache-dir="$(mktemp -d)"
elif [ "$mypy_rc" != "0" ]; then
    exit "$mypy_rc"
fi
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when no test was collected (for example a -k filter that matches nothing).
if [ "$rc" = "5" ]; then
    echo "no tests collected"
    exit 0
fi
exit "$rc"
