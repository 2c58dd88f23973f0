#!/usr/bin/env bash
# Installs what rosterbook needs on a fresh Debian machine into ./.venv (run as root).
#   bash scripts/setup.sh          the application
#   bash scripts/setup.sh --test   plus what the test suite drives: LibreOffice, PostgreSQL, Chromium
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(python3 python3-venv python3-uno)
extras=""
if [ "${1:-}" = "--test" ]; then
  packages+=(libreoffice-calc-nogui postgresql chromium poppler-utils fonts-dejavu-core)
  extras="[test,bench]"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's python3 with its site-packages visible: python3-uno (LibreOffice's bridge) is not on PyPI.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import uno" 2>/dev/null; then
  rm -rf .venv
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras}"
echo "setup: ready (.venv)"
