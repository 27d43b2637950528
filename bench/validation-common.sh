# Shared by the validation benchmarks (sourced): the machine's set-up, a server on a fresh
# database, applicants, and wrk's script. Callers set PORT and DATABASE (the database's name)
# first; BIN (default: this checkout's release build), MEDIA_VARIABLE and BENCH_IMAGE may come
# from the environment; the functions set ADMIN_URL, DB_URL, KEY and SERVER.

IMAGE="${BENCH_IMAGE:-../shared/reference/bench-selfie-1280x960.jpg}"
OWN_BUILD="${CARGO_TARGET_DIR:-target}/release/baf-server"
BIN="${BIN:-${OWN_BUILD}}"  # or another build, to compare
WORK="$(mktemp -d)"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scripts/ensure-postgres.sh >/dev/null
scripts/fetch-onnxruntime.sh >/dev/null
scripts/fetch-ocr-models.sh >/dev/null
scripts/setup-models.sh >/dev/null
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-${PWD}/vendor/onnxruntime/libonnxruntime.so.1.31.1}"
# as scripts/run.sh: Postgres's Unix socket where it can be used (ADMIN_URL=postgres://...@127.0.0.1:5432/postgres for TCP)
ADMIN_URL="${ADMIN_URL:-$(scripts/local-postgres-url.sh)/postgres}"
DB_URL="${ADMIN_URL%/*}/${DATABASE}"
echo "Postgres: ${ADMIN_URL#*@}"
[[ "${BIN}" != "${OWN_BUILD}" ]] || SQLX_OFFLINE=true cargo build --release --locked -p baf-server 2>&1 | tail -1

SERVER=""
cleanup() { [[ -n "${SERVER}" ]] && kill "${SERVER}" 2>/dev/null; rm -rf "${WORK}"; }
trap cleanup EXIT

start_server() { # queue length
    psql "${ADMIN_URL}" -qc "drop database if exists ${DATABASE} with (force)" -c "create database ${DATABASE}" 2>/dev/null
    ACCOUNT="$(DATABASE_URL="${DB_URL}" "${BIN}" account create --name bench --max-attempts 5 2>/dev/null)"
    KEY="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secretKey"])' "${ACCOUNT}")"
    rm -rf "${WORK}/media"
    # builds before 2026-12-02 name the media folder BAF_MEDIA_DIR: MEDIA_VARIABLE=BAF_MEDIA_DIR
    env DATABASE_URL="${DB_URL}" BAF_LISTEN="127.0.0.1:${PORT}" BAF_MODELS_DIR=models "${MEDIA_VARIABLE:-BAF_MEDIA_URL}=${WORK}/media" BAF_FACE_QUEUE="$1" RUST_LOG=warn "${BIN}" &
    SERVER=$!
    for _ in $(seq 1 100); do curl -fsS "127.0.0.1:${PORT}/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
}

stop_server() { kill "${SERVER}"; wait "${SERVER}" 2>/dev/null || true; SERVER=""; }

drop_database() { psql "${ADMIN_URL}" -qc "drop database if exists ${DATABASE} with (force)"; }

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
