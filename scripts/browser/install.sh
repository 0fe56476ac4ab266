#!/usr/bin/env bash
# Installs Debian's Chromium, which the Nextcloud app's browser test drives through playwright-core
# (nextcloud-app/tests/browser/*.live.test.ts). Idempotent. Needs root (or sudo) on Debian/Ubuntu.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium is installed: $(chromium --version 2>/dev/null || true)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update
fi
$SUDO apt-get install -y --no-install-recommends chromium
chromium --version
