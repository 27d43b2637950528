#!/usr/bin/env bash
# Puts the five face models into models/ (git-ignored *.onnx) and verifies every checksum of
# models/manifest.toml.
#
#   BAF_MODELS_DIR=/path/to/models scripts/setup-models.sh     # default: ../shared/models next to the repo
#   BAF_MODELS_COPY=1 scripts/setup-models.sh                  # copy instead of symlinking
#
# Outside this environment, obtain the files from the upstream sources the manifest lists (four of them are
# conversions documented in MODELS.md) and point BAF_MODELS_DIR at the folder that holds them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MANIFEST="${ROOT}/models/manifest.toml"
SRC="${BAF_MODELS_DIR:-}"
if [[ -z "${SRC}" && -d "${ROOT}/../shared/models" ]]; then
    SRC="$(cd "${ROOT}/../shared/models" && pwd)"
fi
if [[ -z "${SRC}" || ! -d "${SRC}" ]]; then
    echo "error: set BAF_MODELS_DIR to the folder holding the ONNX models (see models/manifest.toml)" >&2
    exit 1
fi

# One tab-separated "file sha256 source" line per [[model]] table: the manifest keeps one key per line.
entries="$(awk -F' = ' -v OFS='\t' '
    /^\[\[model\]\]/ { if (file) print file, sha, src; file = sha = src = "" }
    $1 == "file"     { gsub(/"/, "", $2); file = $2 }
    $1 == "sha256"   { gsub(/"/, "", $2); sha = $2 }
    $1 == "source"   { gsub(/"/, "", $2); src = $2 }
    END              { if (file) print file, sha, src }' "${MANIFEST}")"

failed=0
while IFS=$'\t' read -r file sha source; do
    from="${SRC}/${file}"
    to="${ROOT}/models/${file}"
    if [[ ! -f "${from}" ]]; then
        echo "error: ${file} is missing from ${SRC}; upstream: ${source}" >&2
        failed=1
        continue
    fi
    got="$(sha256sum "${from}" | cut -d' ' -f1)"
    if [[ "${got}" != "${sha}" ]]; then
        echo "error: ${from} is corrupt: sha256 ${got}, expected ${sha}; upstream: ${source}" >&2
        failed=1
        continue
    fi
    if [[ "$(realpath "${from}")" != "$(realpath -m "${to}")" ]]; then
        rm -f "${to}"
        if [[ -n "${BAF_MODELS_COPY:-}" ]]; then cp "${from}" "${to}"; else ln -s "${from}" "${to}"; fi
    fi
    echo "ok: models/${file}"
done <<< "${entries}"
exit "${failed}"
