#!/usr/bin/env bash
# One-shot setup of the exsync Nextcloud app in docker-compose (service `nextcloud-setup`), run as www-data in
# /var/www/html. Enables the app, points it at the sync service over the compose network and, unless the app
# already holds a key, creates a tenant and its API key through the service's REST API. Safe to run again.
# Needs: EXSYNC_SERVICE_URL, EXSYNC_ADMIN_KEY, EXSYNC_NEXTCLOUD_URL; optional EXSYNC_TENANT_NAME, EXSYNC_GROUPS.
set -euo pipefail
: "${EXSYNC_SERVICE_URL:?}" "${EXSYNC_ADMIN_KEY:?}" "${EXSYNC_NEXTCLOUD_URL:?}"
occ() { php /var/www/html/occ "$@"; }

occ app:enable exsync
# http:// over the compose network: the app refuses plain http to anything but localhost unless told, and
# refuses private addresses unless told (Nextcloud's own rule for outgoing requests).
occ config:app:set exsync allow_insecure_http --value=true --type=boolean
occ config:app:set exsync allow_local_address --value=true --type=boolean
occ config:app:set exsync service_url --value="$EXSYNC_SERVICE_URL"
if [ -n "${EXSYNC_GROUPS:-}" ]; then
  occ config:app:set exsync groups --value="$EXSYNC_GROUPS" --type=array
fi

if [ -n "$(occ config:app:get exsync api_key 2>/dev/null || true)" ]; then
  echo "exsync: the app already has an API key; tenant not created again."
  exit 0
fi

# The tenant and its key, through the service's API (php: the image has no curl guarantee).
key=$(php /setup/create-tenant.php)
occ config:app:set exsync api_key --value="$key" --sensitive
echo "exsync: tenant created, the app is configured (service ${EXSYNC_SERVICE_URL})."
