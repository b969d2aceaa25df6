#!/bin/sh
# Chromium and CJK fonts for the browser tests, Pango for WeasyPrint's PDF documents. The
# distribution's Chromium is used because Playwright's own browser download is not
# reachable from every build machine. Idempotent: installs only what is missing.
set -eu
missing=""
for pkg in chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
