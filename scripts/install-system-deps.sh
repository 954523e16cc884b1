#!/usr/bin/env bash
# Installs the Debian packages the tests need (browser, virtual screen, PDF and image tools, the
# MariaDB client library for mysqlclient, gettext). Idempotent; does nothing if all are there.
set -euo pipefail

PACKAGES=(chromium xvfb xdotool x11-utils imagemagick poppler-utils fonts-dejavu-core
          libmariadb-dev pkg-config gettext tk8.6)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all present"
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
