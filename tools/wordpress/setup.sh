#!/usr/bin/env bash
# PHP from Debian's packages for the WordPress plugin's tests (issue 16): php-cli with mbstring
# (the mapping's mb_substr) and xml. Idempotent; a no-op once php has both extensions.
# As root it installs what is missing; otherwise it says what to install and the PHP tests skip.
set -euo pipefail
PACKAGES=(php-cli php-mbstring php-xml)
if command -v php >/dev/null && php -m | grep -qx mbstring && php -m | grep -qx xml; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "tools/wordpress/setup.sh: install ${PACKAGES[*]} (Debian) to run the plugin's PHP tests; they skip now" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null; }
php -m | grep -qx mbstring
