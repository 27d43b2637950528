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
DATABASE=baf_bench_validation
# shellcheck source=validation-common.sh
source bench/validation-common.sh
SQLX_OFFLINE=true cargo bench --locked -p verification --bench pipeline --no-run 2>&1 | tail -1

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
drop_database
