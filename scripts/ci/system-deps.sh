#!/usr/bin/env bash
# Debian packages the test suites need: Radicale and Xandikos (real CalDAV/CardDAV peers), PHP 8.2 and PHPUnit
# (the Nextcloud app's tests), DavMail (a third-party EWS client run against the Exchange simulator), Chromium
# (the Nextcloud app's browser test), docker-compose v1 (parses the compose file; no Docker engine needed),
# vdirsyncer (with DavMail, the reference pipeline `pnpm bench reference` measures exsync against).
set -euo pipefail
bash "$(dirname "$0")/../dav-servers/install.sh"
bash "$(dirname "$0")/../php/install.sh"
bash "$(dirname "$0")/../davmail/install.sh"
bash "$(dirname "$0")/../browser/install.sh"
bash "$(dirname "$0")/../compose/install.sh"
bash "$(dirname "$0")/../bench/install-reference.sh"
