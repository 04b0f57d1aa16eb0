#!/usr/bin/env bash
# The whole suite: once on SQLite, then once on a real PostgreSQL server started for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -q "$@"
