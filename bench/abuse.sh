#!/usr/bin/env bash
# What hostile requests cost the server. bench/abuse.sh disk [N] | memory
#   disk: N validations through one applicant that carry a picture without a face (recorded as
#     InvalidData, which uses up no attempt) and a 15 MB video, then N with a 15 MB blob that is no
#     video. Prints the media folder's growth after each kind (default N 4).
#   memory: small files that decode to huge pictures (crates/verification/examples/decode_bombs.rs),
#     each sent alone as a selfie to a fresh server, then 8 at once to a server with 8 face workers. Prints the
#     server's peak resident memory above what it held before (VmHWM after clear_refs).
# Compare two builds: BIN=/path/to/other/baf-server bench/abuse.sh ... (a build before 2026-12-02
# also needs MEDIA_VARIABLE=BAF_MEDIA_DIR); BIN defaults to this checkout's release build, built
# when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MODE="${1:-disk}"
N="${2:-4}"
PORT=18093
DATABASE=baf_bench_abuse
source bench/validation-common.sh

rss() { awk -v field="$1" '$1 == field":" { print int($2 / 1024) }' "/proc/${SERVER}/status"; }

send_all() { # files...: one selfie validation per file, each for its own applicant, all at once
    python3 - "${KEY}" "${PORT}" "${WORK}/ids" "$@" <<'PY'
import base64, json, sys, threading, urllib.error, urllib.request
key, port, ids, files = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().split(), sys.argv[4:]
def send(path, applicant):
    body = json.dumps({"applicantId": applicant, "model": {"documentType": 10,
        "faceImageBase64": base64.b64encode(open(path, "rb").read()).decode()}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/publicapi/api/v2/public/Validation", data=body,
        method="POST", headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        answer = json.load(urllib.request.urlopen(req))
        print(f"  {path.rsplit('/', 1)[-1]}: 200 {answer.get('code')}")
    except urllib.error.HTTPError as e:
        print(f"  {path.rsplit('/', 1)[-1]}: {e.code} {json.load(e).get('code')}")
threads = [threading.Thread(target=send, args=(f, ids[i])) for i, f in enumerate(files)]
for t in threads: t.start()
for t in threads: t.join()
PY
}

peak_of() { # label files...: the server's peak above its resident memory before
    local label="$1" before
    shift
    echo 5 > "/proc/${SERVER}/clear_refs"
    before="$(rss VmRSS)"
    send_all "$@"
    echo "${label}: peak $(rss VmHWM) MiB resident, $(( $(rss VmHWM) - before )) MiB above the ${before} MiB before"
}

if [[ "${MODE}" == memory ]]; then
    cargo run -q --release --locked -p verification --example decode_bombs -- "${WORK}/bombs"
    ls -l "${WORK}/bombs" | awk 'NR > 1 { printf "%-28s %8d bytes\n", $9, $5 }'
    warm_up=../shared/faces/selfie/obama/fr_obama.jpg
    # One fresh server per bomb: memory the allocator keeps after one bomb would hide the next's.
    for bomb in "${WORK}"/bombs/*; do
        BAF_FACE_WORKERS=2 start_server 16
        new_applicants 2
        send_all "${warm_up}" >/dev/null
        peak_of "$(basename "${bomb}") alone" "${bomb}"
        stop_server
    done
    BAF_FACE_WORKERS=8 start_server 16
    new_applicants 8
    send_all "${warm_up}" "${warm_up}" >/dev/null
    bombs=("${WORK}"/bombs/*)
    peak_of "8 bombs at once, 8 workers" "${bombs[@]}" "${bombs[@]}"
    stop_server
    drop_database
    exit
fi

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
