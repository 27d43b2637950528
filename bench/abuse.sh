#!/usr/bin/env bash
# What hostile requests cost the server's disk: N validations through one applicant that carry a
# picture without a face (recorded as InvalidData, which uses up no attempt) and a 15 MB video,
# then N with a 15 MB blob that is no video. Prints the media folder's growth after each kind.
# Compare two builds: BIN=/path/to/other/baf-server bench/abuse.sh [N] (a build before 2026-12-02
# also needs MEDIA_VARIABLE=BAF_MEDIA_DIR)
# (default N 4; BIN defaults to this checkout's release build, built when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-4}"
PORT=18093
DATABASE=baf_bench_abuse
source bench/validation-common.sh

start_server 16
new_applicants 1
APPLICANT="$(head -1 "${WORK}/ids")"
media_bytes() { du -sb "${WORK}/media" 2>/dev/null | cut -f1 || echo 0; }

send() { # video kind: mp4 or junk
    python3 - "$1" "${APPLICANT}" "${KEY}" "${PORT}" <<'PY'
import base64, json, sys, urllib.error, urllib.request
kind, applicant, key, port = sys.argv[1:]
face = open("../shared/faces/noface/ski_coffee.png", "rb").read()
video = (b"\0\0\0\x20ftypisom" if kind == "mp4" else b"junk") + bytes(15 * 1024 * 1024)
body = json.dumps({"applicantId": applicant, "model": {"documentType": 10,
    "faceImageBase64": base64.b64encode(face).decode(),
    "livenessVideoBase64": base64.b64encode(video).decode()}}).encode()
req = urllib.request.Request(f"http://127.0.0.1:{port}/publicapi/api/v2/public/Validation", data=body, method="POST",
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
try:
    urllib.request.urlopen(req)
    print(200)
except urllib.error.HTTPError as e:
    print(e.code, json.load(e).get("code"))
PY
}

before="$(media_bytes)"
for kind in mp4 junk; do
    for _ in $(seq 1 "${N}"); do echo "${kind}: $(send "${kind}")"; done
    after="$(media_bytes)"
    echo "${N} requests with a faceless picture and a 15 MB ${kind} video: media grew by $(( (after - before) / 1024 )) KiB"
    before="${after}"
done
stop_server
drop_database
