#!/usr/bin/env bash
# Installs what the exsync Nextcloud app's tests need, from Debian 12 only (no Packagist on CI):
# PHP 8.2 CLI with the extensions PHPUnit uses, PHPUnit 9.6 itself, and the PSR-7/PSR-18 interfaces (Nextcloud 34's
# IClient extends them) and symfony/console (the app's occ commands) the suite loads beside ../shared/vendor-php.
set -euo pipefail

packages=(php-cli php-xml php-mbstring php-curl phpunit php-psr-http-client php-psr-http-message php-symfony-console)

if command -v php >/dev/null && command -v phpunit >/dev/null && [ -f /usr/share/php/Psr/Http/Client/autoload.php ] \
  && [ -f /usr/share/php/Psr/Http/Message/autoload.php ] && [ -f /usr/share/php/Symfony/Component/Console/autoload.php ]; then
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
