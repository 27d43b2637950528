#!/usr/bin/env bash
# What reading the document adds to a registration (issue 15's target: no more than 400 ms): one
# client, one request at a time, alternating rounds of selfie-only registrations (documentType 10)
# and registrations with a passport (documentType 2, the clean TD3 ../shared/documents/syn_td3_05.jpg,
# read and its face matched) on one release server, each request a fresh applicant. Prints the
# median latency of each kind per round and the difference.
#
#   bench/validation-document.sh [requests per round=10] [rounds=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REQUESTS="${1:-10}"
ROUNDS="${2:-3}"
PORT=18093
DATABASE=baf_bench_document
DOCUMENT="${BENCH_DOCUMENT:-../shared/documents/syn_td3_05.jpg}"
# shellcheck source=validation-common.sh
source bench/validation-common.sh

start_server 8
python3 - "${IMAGE}" "${DOCUMENT}" "${KEY}" "${PORT}" "${REQUESTS}" "${ROUNDS}" <<'PY'
import base64, json, statistics, sys, time, urllib.request
selfie, document, key, port, requests, rounds = sys.argv[1:]
b64 = lambda path: base64.b64encode(open(path, "rb").read()).decode()
selfie, document = b64(selfie), b64(document)
api = f"http://127.0.0.1:{port}/publicapi/api/v2"
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

def post(path, body):
    req = urllib.request.Request(api + path, data=json.dumps(body).encode(), method="POST", headers=headers)
    return json.load(urllib.request.urlopen(req))

def registration(with_document):
    applicant = post("/private/Applicants", {})["applicantId"]
    model = {"documentType": 10, "faceImageBase64": selfie}
    if with_document:
        model.update(documentType=2, frontImageBase64=document)
    started = time.monotonic()
    reply = post("/public/Validation", {"model": model, "applicantId": applicant})
    ms = (time.monotonic() - started) * 1000
    if with_document:
        assert any(t["name"] == "DocumentReadingValidation" and t["statusString"] == "Passed"
                   for t in reply["documentValidationTests"]), reply
    return ms

registration(True)  # warm-up
for round in range(1, int(rounds) + 1):
    medians = {}
    for with_document in (False, True):
        medians[with_document] = statistics.median(registration(with_document) for _ in range(int(requests)))
    print(f"round {round}: selfie only p50 {medians[False]:.0f} ms, with passport p50 {medians[True]:.0f} ms, "
          f"difference {medians[True] - medians[False]:.0f} ms")
PY
stop_server
drop_database
