#!/usr/bin/env bash
# Installs the reference pipeline `pnpm bench reference` measures exsync against: Debian's DavMail (an EWS client
# serving the mailbox as CalDAV) and vdirsyncer (copies one CalDAV server into another). Idempotent; needs root
# or sudo. Without them the benchmark skips the reference and says so.
set -euo pipefail

bash "$(dirname "$0")/../davmail/install.sh"

if command -v vdirsyncer >/dev/null 2>&1; then
  echo "vdirsyncer is installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show vdirsyncer >/dev/null 2>&1; then
  $SUDO apt-get update
fi
$SUDO apt-get install -y --no-install-recommends vdirsyncer
echo "installed: vdirsyncer"
