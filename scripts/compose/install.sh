#!/usr/bin/env bash
# Installs Debian's docker-compose (v1) so the compose test can parse docker-compose.yml with a real compose
# implementation (`docker-compose config -q`); no Docker engine is needed for that. Idempotent; needs root or sudo.
set -euo pipefail

if command -v docker-compose >/dev/null 2>&1; then
  echo "docker-compose is installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show docker-compose >/dev/null 2>&1; then
  $SUDO apt-get update
fi
$SUDO apt-get install -y --no-install-recommends docker-compose
echo "installed: docker-compose"
