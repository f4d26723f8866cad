#!/usr/bin/env bash
# Installs OpenLDAP's slapd and ldap-utils (Debian) when they are missing:
# the LDAP tests run a real slapd. Without root it says what to run.
set -euo pipefail
if command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "slapd is missing: run 'apt-get install slapd ldap-utils' as root (the LDAP tests skip without it, and fail with CI=true)" >&2
    exit 0
  fi
else
  SUDO=
fi
echo "installing slapd and ldap-utils for the LDAP tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slapd ldap-utils >/dev/null
