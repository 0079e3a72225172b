#!/usr/bin/env bash
# Install Debian's chromium for the headless report test (tests/test_report_browser.py).
# Needs root and apt; a no-op when a chromium binary is already on PATH.
set -euo pipefail
for bin in chromium chromium-browser; do
  if command -v "$bin" >/dev/null 2>&1; then
    echo "install-chromium: $bin already present: $(command -v "$bin")"
    exit 0
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: not root, cannot apt-get install chromium" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: apt-get not available" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium
command -v chromium
