#!/usr/bin/env bash
# README command 1: set everything up, then start the app on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# One upload limit: Streamlit refuses a larger request body itself (before the page, or its memory, sees
# it) at the same max_upload_mb that the pages and the CLI check (settings file or DOCCHAT_MAX_UPLOAD_MB);
# this flag overrides .streamlit/config.toml, which holds the default for a plain `streamlit run`. A bad
# setting stops here with its one-line message.
max_upload_mb="$(.venv/bin/python -c 'import sys
from core.settings import InvalidSettings, load_settings
try:
    print(load_settings().max_upload_mb)
except InvalidSettings as error:
    sys.exit(f"error: {error}")')"
exec .venv/bin/streamlit run Home.py --server.maxUploadSize "$max_upload_mb" "$@"
