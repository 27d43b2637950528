#!/usr/bin/env bash
# Prints the URL (without a database) of the local PostgreSQL for the server to use: its Unix
# socket when it accepts the `postgres` role there, else TCP on 127.0.0.1:5432. On one host the
# socket skips the TCP stack and TLS: about 1 ms less CPU per validation (docs/benchmarks.md).
set -euo pipefail

socket_dir=/var/run/postgresql
socket_url="postgres://postgres:postgres@%2Fvar%2Frun%2Fpostgresql"
if [[ -S "${socket_dir}/.s.PGSQL.5432" ]] && psql "${socket_url}/postgres" -qAtc "select 1" >/dev/null 2>&1; then
    echo "${socket_url}"
else
    echo "postgres://postgres:postgres@127.0.0.1:5432"
fi
