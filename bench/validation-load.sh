#!/usr/bin/env bash
# Load test of POST public/Validation on the real models with a 1280x960 JPEG selfie
# (../shared/reference/bench-selfie-1280x960.jpg): registrations (each request a fresh applicant)
# and authorizations (one registered applicant), at concurrency 1, 2 and 8, then an overload run
# with a short queue to show the 503 + Retry-After answer; last, registrations at concurrency 8
# alternate with the verification crate's two-worker engine benchmark for a few rounds, since the
# target is a ratio of the two and this machine's speed drifts. Traffic goes to 127.0.0.1 only and
# every run is bounded in time.
#
#   bench/validation-load.sh [seconds=10] [rounds=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_EACH="${1:-10}"
ROUNDS="${2:-3}"
PORT=18091
IMAGE="${BENCH_IMAGE:-../shared/reference/bench-selfie-1280x960.jpg}"
BIN="${BIN:-target/release/baf-server}"  # or another build, to compare
WORK="$(mktemp -d)"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scripts/ensure-postgres.sh >/dev/null
# as scripts/run.sh: Postgres's Unix socket where it can be used (ADMIN_URL=postgres://...@127.0.0.1:5432/postgres for TCP)
ADMIN_URL="${ADMIN_URL:-$(scripts/local-postgres-url.sh)/postgres}"
DB_URL="${ADMIN_URL%/*}/baf_bench_validation"
echo "Postgres: ${ADMIN_URL#*@}"
scripts/fetch-onnxruntime.sh >/dev/null
scripts/setup-models.sh >/dev/null
SQLX_OFFLINE=true cargo build --release --locked -p baf-server 2>&1 | tail -1
SQLX_OFFLINE=true cargo bench --locked -p verification --bench pipeline --no-run 2>&1 | tail -1
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-${PWD}/vendor/onnxruntime/libonnxruntime.so.1.31.1}"

SERVER=""
cleanup() { [[ -n "${SERVER}" ]] && kill "${SERVER}" 2>/dev/null; rm -rf "${WORK}"; }
trap cleanup EXIT

start_server() { # queue length
    psql "${ADMIN_URL}" -qc "drop database if exists baf_bench_validation with (force)" -c "create database baf_bench_validation"
    ACCOUNT="$(DATABASE_URL="${DB_URL}" "${BIN}" account create --name bench --max-attempts 5 2>/dev/null)"
    KEY="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secretKey"])' "${ACCOUNT}")"
    DATABASE_URL="${DB_URL}" BAF_LISTEN="127.0.0.1:${PORT}" BAF_MODELS_DIR=models BAF_MEDIA_DIR="${WORK}/media" BAF_FACE_QUEUE="$1" RUST_LOG=warn "${BIN}" &
    SERVER=$!
    for _ in $(seq 1 100); do curl -fsS "127.0.0.1:${PORT}/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
}

stop_server() { kill "${SERVER}"; wait "${SERVER}" 2>/dev/null || true; SERVER=""; }

new_applicants() { # count -> file of ids
    python3 - "$1" "${KEY}" "${PORT}" > "${WORK}/ids" <<'PY'
import json, sys, urllib.request
count, key, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for _ in range(count):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/publicapi/api/v2/private/Applicants", data=b"{}", method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    print(json.load(urllib.request.urlopen(req))["applicantId"])
PY
}

write_lua() { # mode: register (one applicant per request) or authorize (one applicant)
    python3 - "${IMAGE}" "${WORK}/ids" "${KEY}" "$1" > "${WORK}/bench.lua" <<'PY'
import base64, sys
image, ids_file, key, mode = sys.argv[1:]
b64 = base64.b64encode(open(image, "rb").read()).decode()
ids = [line.strip() for line in open(ids_file) if line.strip()]
print('local ids = {' + ','.join(f'"{i}"' for i in ids) + '}')
print('local n = 0')
print(f'local prefix = \'{{"model":{{"documentType":10,"faceImageBase64":"{b64}"}},"applicantId":"\'')
print('wrk.method = "POST"')
print('wrk.path = "/publicapi/api/v2/public/Validation"')
print('wrk.headers["Content-Type"] = "application/json"')
print(f'wrk.headers["Authorization"] = "Bearer {key}"')
# Requests are built once, before the clock starts: the load generator shares the two cores with
# the server, and concatenating a 270 KB body per request would be charged to the server.
print('local requests = {}')
print('for i, id in ipairs(ids) do requests[i] = wrk.format(nil, nil, nil, prefix .. id .. \'"}\') end')
print('request = function()')
print('  n = n + 1' if mode == "register" else '  n = 1')
print('  return requests[((n - 1) % #requests) + 1]')
print('end')
PY
}

summary() { grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors|requests in' || true; }

run() { # label connections
    echo "== $1: concurrency $2, ${SECONDS_EACH}s"
    wrk -t1 -c"$2" -d"${SECONDS_EACH}s" --timeout 10s --latency -s "${WORK}/bench.lua" "http://127.0.0.1:${PORT}" | summary
}

start_server 8
for c in 1 2 8; do
    new_applicants $((SECONDS_EACH * 60))
    write_lua register
    run "registration" "$c"
done
# authorizations on a fresh database: in the old one this face is everybody's duplicate
stop_server
start_server 8
new_applicants 1
curl -fsS -X POST "127.0.0.1:${PORT}/publicapi/api/v2/public/Validation" -H "Authorization: Bearer ${KEY}" \
    -H 'Content-Type: application/json' --data-binary @<(python3 -c "
import base64,json,sys; print(json.dumps({'model':{'documentType':10,'faceImageBase64':base64.b64encode(open('${IMAGE}','rb').read()).decode()},'applicantId':open('${WORK}/ids').read().strip()}))") \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["status"] == 0, r; print("registered the applicant to authorize")'
write_lua authorize
for c in 1 2 8; do run "authorization" "$c"; done
stop_server

echo "== overload: queue of 2, concurrency 32, then one request while it lasts"
start_server 2
new_applicants $((SECONDS_EACH * 60))
write_lua register
run "overload (non-2xx are 503 + Retry-After)" 32 &
LOAD=$!
sleep 2
python3 - "${IMAGE}" "${KEY}" "${PORT}" "$(head -1 "${WORK}/ids")" <<'PY'
import base64, json, sys, time, urllib.request, urllib.error
image, key, port, applicant = sys.argv[1:]
body = json.dumps({"model": {"documentType": 10, "faceImageBase64": base64.b64encode(open(image, "rb").read()).decode()},
                   "applicantId": applicant}).encode()
codes = {}
for _ in range(20):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/publicapi/api/v2/public/Validation", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    started = time.monotonic()
    try:
        urllib.request.urlopen(req).read()
        status, retry = 200, None
    except urllib.error.HTTPError as e:
        status, retry = e.code, e.headers.get("Retry-After")
    ms = (time.monotonic() - started) * 1000
    codes.setdefault(status, []).append(ms)
    if status == 503:
        print(f"503 in {ms:.1f} ms, Retry-After: {retry}")
        break
for status, times in sorted(codes.items()):
    print(f"probe: {len(times)} x {status}, fastest {min(times):.1f} ms")
PY
wait "${LOAD}"
stop_server

echo "== registration at concurrency 8 against the engine alone (two workers), alternating, ${ROUNDS} rounds"
start_server 8
# criterion warms the engine up before it measures; the freshly started server gets the same
new_applicants 200
write_lua register
wrk -t1 -c8 -d3s --timeout 10s -s "${WORK}/bench.lua" "http://127.0.0.1:${PORT}" >/dev/null
RATIOS=()
for round in $(seq 1 "${ROUNDS}"); do
    ENGINE="$(SQLX_OFFLINE=true cargo bench --locked -q -p verification --bench pipeline -- engine/two_workers 2>/dev/null | awk '/thrpt:/ && !seen {print $4; seen = 1}')"
    new_applicants $((SECONDS_EACH * 60))
    write_lua register
    API="$(wrk -t1 -c8 -d"${SECONDS_EACH}s" --timeout 10s -s "${WORK}/bench.lua" "http://127.0.0.1:${PORT}" | awk '/Requests\/sec/ {print $2}')"
    RATIO="$(python3 -c "print(f'{100 * ${API} / ${ENGINE}:.1f}')")"
    RATIOS+=("${RATIO}")
    echo "round ${round}: engine ${ENGINE} selfies/s, API ${API} req/s, API/engine ${RATIO}%"
done
echo "== API/engine median over ${ROUNDS} rounds: $(printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')%"
stop_server
psql "${ADMIN_URL}" -qc "drop database if exists baf_bench_validation with (force)"
