#!/usr/bin/env bash
# Runs the server locally on http://localhost:8080 with a demo account (its keys are printed when it is created; --demo-rotate prints a new pair).
# Settings come from the environment (see README: configuration).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/ensure-build-deps.sh
scripts/ensure-postgres.sh
scripts/fetch-onnxruntime.sh
scripts/fetch-ocr-models.sh
scripts/setup-models.sh

export DATABASE_URL="${DATABASE_URL:-$(scripts/local-postgres-url.sh)/baf}"
export SQLX_OFFLINE=true
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-${PWD}/vendor/onnxruntime/libonnxruntime.so.1.31.1}"

# The database named in DATABASE_URL is created when missing.
admin_url="${DATABASE_URL%/*}/postgres"
database="${DATABASE_URL##*/}"
database="${database%%\?*}"
if ! psql "${admin_url}" -tAc "select 1 from pg_database where datname = '${database}'" | grep -q 1; then
    psql "${admin_url}" -qc "create database \"${database}\""
fi

cargo build --release --locked -p baf-server
exec "${CARGO_TARGET_DIR:-target}/release/baf-server" serve --demo "$@"
