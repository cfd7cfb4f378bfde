#!/usr/bin/env bash
# README command 1: set everything up, then start the app on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/streamlit run Home.py "$@"
