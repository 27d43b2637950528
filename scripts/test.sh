#!/usr/bin/env bash
# The whole test suite from a fresh checkout: Postgres, the ONNX Runtime library and the models are
# set up first, then every crate's tests run against real services (each API test gets its own
# fresh database from #[sqlx::test]).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/ensure-build-deps.sh
scripts/ensure-ffmpeg.sh
scripts/ensure-postgres.sh
scripts/fetch-onnxruntime.sh
scripts/fetch-ocr-models.sh
scripts/setup-models.sh
scripts/ensure-chromium.sh
scripts/ensure-s3s-fs.sh
scripts/ensure-schemathesis.sh

# #[sqlx::test] creates one database per test through this server.
export DATABASE_URL="${DATABASE_URL:-$(scripts/local-postgres-url.sh --tcp)/postgres}"
# Queries are checked against the committed .sqlx data, so the build needs no database.
export SQLX_OFFLINE=true
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-${PWD}/vendor/onnxruntime/libonnxruntime.so.1.31.1}"

# The house style first: a tree that is not formatted or has a lint fails before the long tests.
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked "$@"
