#!/usr/bin/env bash
# Installs what building and testing Ordinal needs on a fresh Debian machine (run as root,
# or with sudo available): libcurl and libpq headers, a PostgreSQL server for the real-server
# tests, shellcheck, and the Python tools the tests call (in a virtualenv under .build-tools/).
# Safe to re-run: it installs only what is missing.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${root}/.build-tools"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

packages=(libcurl4-openssl-dev libpq-dev postgresql postgresql-client pgbackrest curl shellcheck pkg-config python3 python3-venv jq)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q "install ok installed" || missing+=("${package}")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Two minor releases of PostgreSQL 15 from Debian's archive, for the upgrade tests.
"${root}/scripts/fetch-postgres-minors.sh" >/dev/null

# Python tools in a virtualenv of their own (Debian's pip refuses system-wide installs).
if [ ! -x "${tools}/venv/bin/kubernetes-validate" ]; then
    echo "setup: installing kubernetes-validate into ${tools}/venv"
    python3 -m venv "${tools}/venv"
    "${tools}/venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate
fi
# moto's S3-compatible server under gunicorn, for the backup tests against an S3 repository.
if [ ! -x "${tools}/venv/bin/moto_server" ] || [ ! -x "${tools}/venv/bin/gunicorn" ]; then
    echo "setup: installing moto[server] and gunicorn into ${tools}/venv"
    "${tools}/venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]' gunicorn
fi

echo "setup: ready (Swift: $(swift --version 2>/dev/null | head -1))"
