#!/usr/bin/env bash
# Sets up, builds the templates and serves on 127.0.0.1 with the embedded SQLite store.
#   bash scripts/run.sh          port 5000
#   bash scripts/run.sh 8080     another port
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-5000}"
if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "run.sh: '$port' is not a port number: bash scripts/run.sh [PORT], e.g. bash scripts/run.sh 8080" >&2
  exit 2
fi
# Before the (slow) setup: a port something already listens on would only fail at the end.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "run.sh: port $port on 127.0.0.1 is already in use, probably by another rosterbook serve: stop that one, or choose another port: bash scripts/run.sh 8080" >&2
  exit 1
fi
bash scripts/setup.sh
.venv/bin/rosterbook build
exec .venv/bin/rosterbook serve --host 127.0.0.1 --port "$port"
