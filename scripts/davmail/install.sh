#!/usr/bin/env bash
# Installs Debian's DavMail (an unmodified third-party EWS client, with its Java runtime) for the simulator's
# third-party client test (packages/exchange-sim/src/davmail.live.test.ts). Idempotent; needs root or sudo.
set -euo pipefail

if command -v davmail >/dev/null 2>&1 && [ -f /usr/share/davmail/davmail.jar ]; then
  echo "davmail is installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show davmail >/dev/null 2>&1; then
  $SUDO apt-get update
fi
$SUDO apt-get install -y --no-install-recommends davmail
echo "installed: davmail"
