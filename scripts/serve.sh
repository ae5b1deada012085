#!/usr/bin/env bash
# Serve the examples: set up what the server needs (.venv, no test tools), then run uvicorn in the foreground.
#
#   bash scripts/serve.sh                      # http://127.0.0.1:8000/
#   HOST=0.0.0.0 PORT=9000 bash scripts/serve.sh
#
# Extra arguments are passed to uvicorn (e.g. --reload, --log-level debug).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh --runtime
exec .venv/bin/uvicorn examples.all:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"
