#!/usr/bin/env sh
# Installs what floodgate's tests need that a fresh Debian machine lacks, then the npm packages.
# Prometheus + promtool (Debian's prometheus 2.42) and Chromium (for the report's browser check)
# come from Debian's packages; nothing downloads a browser of its own.
set -eu
missing=""
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing="$missing prometheus"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install:$missing (apt-get install -y --no-install-recommends$missing)" >&2
    exit 1
  fi
  echo "setup: installing$missing from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The Debian package starts a system Prometheus on :9090; tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus >/dev/null 2>&1 || true; fi
npm ci --no-audit --no-fund
