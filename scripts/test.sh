#!/usr/bin/env bash
# README command 2: set everything up (with test tools and Chromium), then run the whole suite.
# Extra arguments go to pytest, e.g. `./scripts/test.sh -m "not integration"`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --dev

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing Debian chromium for the browser test"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "==> chromium not found: the browser test will be skipped (apt-get install chromium)"
    fi
fi

.venv/bin/ruff check .
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
