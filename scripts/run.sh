#!/usr/bin/env bash
# Sets up, builds the templates and serves on 127.0.0.1:5000 with the embedded SQLite store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rosterbook build
exec .venv/bin/rosterbook serve --host 127.0.0.1 --port 5000
