#!/usr/bin/env bash
# Lints every PHP file of the exsync Nextcloud app and runs its PHPUnit suite (against the stubs in
# nextcloud-app/tests/stubs; no Nextcloud server code needed). Exits non-zero on any failure.
# Needs php + phpunit: scripts/php/install.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
app="$root/nextcloud-app"

for tool in php phpunit; do
  if ! command -v "$tool" >/dev/null; then
    # In CI nothing may skip for want of a tool (.ci/run installs it); on a developer's machine, say what to run.
    if [ "${CI:-}" = "true" ]; then
      echo "$tool is not installed: run scripts/php/install.sh" >&2
      exit 2
    fi
    echo "Nextcloud app tests skipped: $tool is not installed (run scripts/php/install.sh)" >&2
    exit 0
  fi
done

lint_failed=0
count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if ! out="$(php -l "$file" 2>&1)"; then
    echo "$out" >&2
    lint_failed=1
  fi
done < <(find "$app" -name '*.php' -not -path '*/vendor/*' -print0)
if [ "$lint_failed" -ne 0 ]; then
  echo "php -l: syntax errors (see above)" >&2
  exit 1
fi
echo "php -l: $count files OK"

cd "$app"
exec phpunit -c phpunit.xml "$@"
