#!/usr/bin/env bash
# Installs what the exsync Nextcloud app's tests need, from Debian 12 only (no Packagist on CI):
# PHP 8.2 CLI with the extensions PHPUnit uses, and PHPUnit 9.6 itself.
set -euo pipefail

packages=(php-cli php-xml php-mbstring php-curl phpunit)

if command -v php >/dev/null && command -v phpunit >/dev/null; then
  echo "php and phpunit already installed: $(php -r 'echo PHP_VERSION;'), $(phpunit --version | head -n1)"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
php --version | head -n1
phpunit --version | head -n1
