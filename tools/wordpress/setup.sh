#!/usr/bin/env bash
# Debian's packages for the WordPress plugin's tests (issue 16): php-cli with mbstring (the
# mapping's mb_substr) and xml for the shared vectors; WordPress, MariaDB and php-mysql for the
# real-WordPress run (tests/test_wordpress_real.py); phpunit for the plugin's own unit tests
# (tests/test_wordpress_phpunit.py). Idempotent; a no-op once all are there.
# As root it installs what is missing; otherwise it says what to install and the PHP tests skip.
set -euo pipefail
PACKAGES=(php-cli php-mbstring php-xml php-mysql wordpress mariadb-server phpunit)
if command -v php >/dev/null && php -m | grep -x mbstring >/dev/null && php -m | grep -x xml >/dev/null \
    && php -m | grep -x mysqli >/dev/null && command -v mariadbd >/dev/null && [ -f /usr/share/wordpress/wp-load.php ] \
    && command -v phpunit >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "tools/wordpress/setup.sh: install ${PACKAGES[*]} (Debian) to run the WordPress tests; they skip now" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null; }
php -m | grep -x mbstring >/dev/null
