#!/usr/bin/env bash
# Lints every PHP file of the exsync Nextcloud app and runs its PHPUnit suite once per supported Nextcloud
# public API (the real nextcloud/ocp 30.0.9 and 34.0.3 from ../shared/vendor-php beside the repository; only
# Nextcloud's private OC\ classes are stand-ins, in nextcloud-app/tests/stubs). Exits non-zero on any failure.
# Needs php + phpunit + the Debian PSR/symfony packages: scripts/php/install.sh.
# EXSYNC_OCP=34.0.3 scripts/php/test.sh runs one release only; extra arguments go to phpunit.
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

vendor="${EXSYNC_VENDOR_PHP:-$root/../shared/vendor-php}"
if [ ! -d "$vendor" ]; then
  echo "The Nextcloud public API folder $vendor is missing (set EXSYNC_VENDOR_PHP)" >&2
  exit 2
fi
export EXSYNC_VENDOR_PHP="$vendor"

cd "$app"
releases="${EXSYNC_OCP:-30.0.9 34.0.3}"
for release in $releases; do
  echo "PHPUnit against the Nextcloud $release public API"
  EXSYNC_OCP="$release" phpunit -c phpunit.xml "$@"
done
