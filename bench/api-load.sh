#!/usr/bin/env bash
# Load test of the applicant routes next to pgbench on the same Postgres, in one run:
#   GET  private/Applicants/{id}   (wrk)
#   POST private/Applicants        (wrk with a Lua body)
#   pgbench -S                     (select-only TPC-B, the database's own ceiling)
# at the same concurrency. GET and pgbench alternate for a few rounds, so a change in the
# machine's speed during the run (shared virtual cores) affects both sides of each ratio alike.
# Sends traffic to 127.0.0.1 only, for a bounded time.
#
#   bench/api-load.sh [connections=16] [seconds=10] [rounds=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONNECTIONS="${1:-16}"
SECONDS_EACH="${2:-10}"
ROUNDS="${3:-3}"
THREADS=2
PORT=18090
ADMIN_URL="${ADMIN_URL:-$(scripts/local-postgres-url.sh --tcp)/postgres}"
DB_URL="${ADMIN_URL%/*}/baf_bench${DB_PARAMS:+?${DB_PARAMS}}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scripts/ensure-postgres.sh >/dev/null
# the server starts its face engine even when only applicant routes are measured
scripts/fetch-onnxruntime.sh >/dev/null
scripts/fetch-ocr-models.sh >/dev/null
scripts/setup-models.sh >/dev/null
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-${PWD}/vendor/onnxruntime/libonnxruntime.so.1.31.1}"
SQLX_OFFLINE=true cargo build --release --locked -p baf-server 2>&1 | tail -1

psql "${ADMIN_URL}" -qc "drop database if exists baf_bench with (force)" -c "create database baf_bench"
BIN="${BIN:-${CARGO_TARGET_DIR:-target}/release/baf-server}"  # or another build, to compare
ACCOUNT="$(DATABASE_URL="${DB_URL}" "${BIN}" account create --name bench 2>/dev/null)"
KEY="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secretKey"])' "${ACCOUNT}")"

DATABASE_URL="${DB_URL}" BAF_LISTEN="127.0.0.1:${PORT}" BAF_MODELS_DIR=models BAF_DB_CONNECTIONS="${DB_CONNECTIONS:-${CONNECTIONS}}" RUST_LOG=warn "${BIN}" &
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

pgbench -q -i -s 1 "${DB_URL}" >/dev/null 2>&1
requests_per_second() { awk '/Requests\/sec/ {print $2}'; }
RATIOS=()
for round in $(seq 1 "${ROUNDS}"); do
    GET="$(wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"${SECONDS_EACH}s" --latency -H "Authorization: Bearer ${KEY}" "${BASE}/${ID}" | tee "${LUA}.get" | requests_per_second)"
    GET_P99="$(awk '$1 == "99%" {print $2}' "${LUA}.get")"
    TPS="$(pgbench -S -n -c "${CONNECTIONS}" -j "${THREADS}" -T "${SECONDS_EACH}" "${DB_URL}" 2>/dev/null | awk '/^tps/ {print $3}')"
    RATIO="$(python3 -c "print(f'{100 * ${GET} / ${TPS}:.1f}')")"
    RATIOS+=("${RATIO}")
    echo "round ${round}: GET private/Applicants/{id} ${GET} req/s (p99 ${GET_P99}), pgbench -S ${TPS} tps, GET/pgbench ${RATIO}%"
done
echo "== GET/pgbench median over ${ROUNDS} rounds: $(printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')%  (${CONNECTIONS} connections, ${SECONDS_EACH}s each)"
echo "== POST private/Applicants: ${CONNECTIONS} connections, ${SECONDS_EACH}s"
wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"${SECONDS_EACH}s" --latency -s "${LUA}" "${BASE}" | summary
kill "${SERVER}"; wait "${SERVER}" 2>/dev/null || true
rm -f "${LUA}" "${LUA}.get"
psql "${ADMIN_URL}" -qc "drop database if exists baf_bench"
