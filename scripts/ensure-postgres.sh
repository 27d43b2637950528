#!/usr/bin/env bash
# Makes a PostgreSQL server answer on 127.0.0.1:5432: uses a running one, starts an installed
# cluster, or installs Debian's package first. The role `postgres` gets the password `postgres`,
# so one DATABASE_URL works under trust and under password authentication.
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
        su postgres -c "psql -q -c \"alter role postgres password 'postgres'\"" >/dev/null
    fi
fi
ready || { echo "error: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
echo "ok: PostgreSQL answers on 127.0.0.1:5432"
