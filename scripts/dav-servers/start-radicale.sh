#!/usr/bin/env bash
# Starts Radicale in the foreground with htpasswd auth (plain) and owner-only rights.
# Usage: start-radicale.sh PORT DATA_DIR USER PASSWORD
# Debian's module is only visible to /usr/bin/python3 (a pyenv python3 on PATH does not see it).
set -euo pipefail
port="$1"; dir="$2"; user="$3"; pass="$4"
python=/usr/bin/python3
if ! "$python" -c 'import radicale' 2>/dev/null; then
  echo "radicale is not installed: run scripts/dav-servers/install.sh" >&2
  exit 127
fi
mkdir -p "$dir/collections"
printf '%s:%s\n' "$user" "$pass" > "$dir/users"
cat > "$dir/config" <<CONF
[server]
hosts = 127.0.0.1:${port}
[auth]
type = htpasswd
htpasswd_filename = ${dir}/users
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = ${dir}/collections
[logging]
level = warning
CONF
exec "$python" -m radicale --config "$dir/config"
