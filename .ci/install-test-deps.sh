#!/usr/bin/env bash
# Installs what the tests run for real when it is missing (Debian): OpenLDAP's
# slapd and ldap-utils (the LDAP tests run a real slapd), openssh-client
# (signed approvals are checked against the real ssh-keygen), bsdutils'
# script(1) (progress bars on a pseudo-terminal), LibreOffice Calc
# (worksheets saved by Calc are read back), and a Samba AD domain controller
# with ldb-tools and iproute2 (the Active Directory tests run a real DC in a
# network namespace), PostgreSQL and MariaDB (the sql source reads real
# servers). Without root it says what to run.
set -euo pipefail
need=()
if ! command -v slapd >/dev/null 2>&1 && [ ! -x /usr/sbin/slapd ]; then need+=(slapd ldap-utils); fi
if ! command -v ssh-keygen >/dev/null 2>&1; then need+=(openssh-client); fi
if ! command -v script >/dev/null 2>&1; then need+=(bsdutils); fi
if ! command -v soffice >/dev/null 2>&1; then need+=(libreoffice-calc); fi
# pdftotext and pdfinfo read the worksheet LibreOffice prints to PDF.
if ! command -v pdftotext >/dev/null 2>&1; then need+=(poppler-utils); fi
if ! command -v samba >/dev/null 2>&1 || [ ! -d /usr/share/samba/setup ]; then need+=(samba-ad-dc samba-ad-provision); fi
if ! command -v ldbadd >/dev/null 2>&1; then need+=(ldb-tools); fi
if ! command -v ip >/dev/null 2>&1; then need+=(iproute2); fi
if ! command -v unshare >/dev/null 2>&1; then need+=(util-linux); fi
if ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
# PostgreSQL and MariaDB servers (the sql source's tests start their own in a temporary folder).
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then need+=(postgresql); fi
if ! command -v mariadb-install-db >/dev/null 2>&1; then need+=(mariadb-server); fi
# Japanese glyphs for the pages Chromium draws (the screenshots people look at) and LibreOffice prints.
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then need+=(fonts-noto-cjk); fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "missing: run 'apt-get install ${need[*]}' as root (the tests that need them skip without them, and fail with CI=true)" >&2
    exit 0
  fi
else
  SUDO=
fi
echo "installing ${need[*]} for the tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
