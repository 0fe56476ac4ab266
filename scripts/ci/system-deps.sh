#!/usr/bin/env bash
# Debian packages the test suites need: Radicale and Xandikos (real CalDAV/CardDAV peers).
set -euo pipefail
bash "$(dirname "$0")/../dav-servers/install.sh"
