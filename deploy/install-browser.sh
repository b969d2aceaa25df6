#!/bin/sh
# Chromium and CJK fonts for the browser tests. The distribution's Chromium is used
# because Playwright's own browser download is not reachable from every build machine.
# Idempotent: does nothing when Chromium is already installed.
set -eu
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk
