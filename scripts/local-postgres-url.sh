#!/usr/bin/env bash
# Prints the URL (without a database) of the local PostgreSQL for the server to use: its Unix
# socket when it accepts the `postgres` role there, else TCP on 127.0.0.1:5432 (always TCP with
# --tcp). On one host the socket skips the TCP stack and TLS: about 1 ms less CPU per validation
# (docs/benchmarks.md). The password is the one scripts/ensure-postgres.sh made, if it made one.
set -euo pipefail

password_file="$(dirname "${BASH_SOURCE[0]}")/../vendor/postgres-password"
user="postgres"
[[ -s "${password_file}" ]] && user="postgres:$(cat "${password_file}")"
socket_dir=/var/run/postgresql
socket_url="postgres://${user}@%2Fvar%2Frun%2Fpostgresql"
if [[ "${1:-}" != "--tcp" && -S "${socket_dir}/.s.PGSQL.5432" ]] && psql "${socket_url}/postgres" -qAtc "select 1" >/dev/null 2>&1; then
    echo "${socket_url}"
else
    echo "postgres://${user}@127.0.0.1:5432"
fi
