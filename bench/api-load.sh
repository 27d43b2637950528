#!/usr/bin/env bash
# Load test of the applicant routes next to pgbench on the same Postgres, in one run:
#   GET  private/Applicants/{id}   (wrk)
#   POST private/Applicants        (wrk with a Lua body)
#   pgbench -S                     (select-only TPC-B, the database's own ceiling)
# at the same concurrency. Sends traffic to 127.0.0.1 only, for a bounded time.
#
#   bench/api-load.sh [connections=16] [seconds=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONNECTIONS="${1:-16}"
SECONDS_EACH="${2:-10}"
THREADS=2
PORT=18090
ADMIN_URL="${ADMIN_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB_URL="${ADMIN_URL%/*}/baf_bench${DB_PARAMS:+?${DB_PARAMS}}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scripts/ensure-postgres.sh >/dev/null
SQLX_OFFLINE=true cargo build --release --locked -p baf-server 2>&1 | tail -1

psql "${ADMIN_URL}" -qc "drop database if exists baf_bench with (force)" -c "create database baf_bench"
BIN=target/release/baf-server
ACCOUNT="$(DATABASE_URL="${DB_URL}" "${BIN}" account create --name bench 2>/dev/null)"
KEY="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secretKey"])' "${ACCOUNT}")"

DATABASE_URL="${DB_URL}" BAF_LISTEN="127.0.0.1:${PORT}" BAF_DB_CONNECTIONS="${DB_CONNECTIONS:-${CONNECTIONS}}" RUST_LOG=warn "${BIN}" &
SERVER=$!
trap 'kill ${SERVER} 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fsS "127.0.0.1:${PORT}/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

BASE="http://127.0.0.1:${PORT}/publicapi/api/v2/private/Applicants"
ID="$(curl -fsS -X POST "${BASE}" -H "Authorization: Bearer ${KEY}" -H 'Content-Type: application/json' \
      -d '{"firstName":"Bench","lastName":"Mark","metadata":{"tenant":"x"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["applicantId"])')"

LUA="$(mktemp --suffix .lua)"
cat > "${LUA}" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ${KEY}"
wrk.body = '{"firstName":"Load","lastName":"Test","email":"load@example.com","metadata":{"tenant":"x"}}'
LUA

summary() { grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true; }

echo "== GET private/Applicants/{id}: ${CONNECTIONS} connections, ${SECONDS_EACH}s"
wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"${SECONDS_EACH}s" --latency -H "Authorization: Bearer ${KEY}" "${BASE}/${ID}" | summary
echo "== POST private/Applicants: ${CONNECTIONS} connections, ${SECONDS_EACH}s"
wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"${SECONDS_EACH}s" --latency -s "${LUA}" "${BASE}" | summary
kill "${SERVER}"; wait "${SERVER}" 2>/dev/null || true
rm -f "${LUA}"

echo "== pgbench -S: ${CONNECTIONS} clients, ${SECONDS_EACH}s"
pgbench -q -i -s 1 "${DB_URL}" >/dev/null 2>&1
pgbench -S -n -c "${CONNECTIONS}" -j "${THREADS}" -T "${SECONDS_EACH}" "${DB_URL}" 2>/dev/null | grep -E 'tps|latency average'
psql "${ADMIN_URL}" -qc "drop database if exists baf_bench"
