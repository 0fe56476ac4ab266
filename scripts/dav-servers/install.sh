#!/usr/bin/env bash
# Installs the Debian stand-in DAV servers the live tests start (Radicale with htpasswd auth, Xandikos) and waitress,
# the keep-alive WSGI server the benchmarks run Radicale under. Idempotent: does nothing when all are present. Needs root (or sudo) on Debian/Ubuntu.
set -euo pipefail

missing=()
/usr/bin/python3 -c 'import radicale' 2>/dev/null || missing+=(radicale)
command -v xandikos >/dev/null 2>&1 || /usr/bin/python3 -c 'import xandikos' 2>/dev/null || missing+=(xandikos)
/usr/bin/python3 -c 'import waitress' 2>/dev/null || missing+=(python3-waitress)

if [ ${#missing[@]} -eq 0 ]; then
  echo "radicale, xandikos and waitress are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update
fi
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
echo "installed: ${missing[*]}"
