#!/usr/bin/env bash
# Makes a PostgreSQL server answer on 127.0.0.1:5432: uses a running one, starts an installed
# cluster, or installs Debian's package first. A cluster this script starts gets a random password
# for the role `postgres`, made once and kept in vendor/postgres-password (mode 600, never
# committed); scripts/local-postgres-url.sh puts it in the URLs. A server that was already running
# is left as it is (its own authentication: trust, peer or a password of yours in DATABASE_URL).
set -euo pipefail

ready() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }

if ! ready; then
    if ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
        echo "installing PostgreSQL (Debian package)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    echo "starting PostgreSQL ${version}"
    pg_ctlcluster --skip-systemctl-redirect "${version}" main start || true
    for _ in $(seq 1 30); do ready && break; sleep 1; done
    if [[ "$(id -u)" == 0 ]]; then
        password_file="$(dirname "${BASH_SOURCE[0]}")/../vendor/postgres-password"
        if [[ ! -s "${password_file}" ]]; then
            mkdir -p "$(dirname "${password_file}")"
            (umask 077 && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "${password_file}")
        fi
        su postgres -c "psql -q -c \"alter role postgres password '$(cat "${password_file}")'\"" >/dev/null
    fi
fi
ready || { echo "error: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
echo "ok: PostgreSQL answers on 127.0.0.1:5432"
