#!/usr/bin/env bash
# Starts Radicale in the foreground with htpasswd auth (plain) and owner-only rights.
# Usage: start-radicale.sh PORT DATA_DIR USER PASSWORD [builtin|waitress]
# builtin (the default) is Radicale's own server, which answers HTTP/1.0 and closes every connection; waitress serves
# the same application through a WSGI server that keeps connections alive, as the web server in front of Nextcloud
# does (the benchmarks use it, so a client is not charged a TCP connect per request that Nextcloud never makes it pay).
# Debian's module is only visible to /usr/bin/python3 (a pyenv python3 on PATH does not see it).
set -euo pipefail
port="$1"; dir="$2"; user="$3"; pass="$4"; server="${5:-builtin}"
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
if [ "$server" = waitress ]; then
  if ! "$python" -c 'import waitress' 2>/dev/null; then
    echo "waitress is not installed: run scripts/dav-servers/install.sh" >&2
    exit 127
  fi
  # Radicale's WSGI entry point reads its configuration from RADICALE_CONFIG; radicale_keepalive adds the
  # Content-Length without which waitress closes the connection after an answer.
  RADICALE_CONFIG="$dir/config" PYTHONPATH="$(dirname "$0")" exec "$python" -m waitress --host=127.0.0.1 \
    --port="$port" --threads=4 radicale_keepalive:application
fi
exec "$python" -m radicale --config "$dir/config"
