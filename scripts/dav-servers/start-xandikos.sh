#!/usr/bin/env bash
# Starts Xandikos in the foreground (it has no authentication) with a default calendar and address book.
# Usage: start-xandikos.sh PORT DATA_DIR
set -euo pipefail
port="$1"; dir="$2"
if ! command -v xandikos >/dev/null 2>&1; then
  echo "xandikos is not installed: run scripts/dav-servers/install.sh" >&2
  exit 127
fi
mkdir -p "$dir"
exec xandikos --defaults -d "$dir" -l 127.0.0.1 -p "$port"
