#!/bin/sh
# Debian and Ubuntu ship Python's venv module as a separate package (python3-venv);
# install it when `python3 -m venv` is not usable. Idempotent.
set -eu
PYTHON="${1:-python3}"
if "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
version=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "python$version-venv" \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-venv
