#!/usr/bin/env bash
# Checks the face models committed in models/: every file that a [[model]] table of
# models/manifest.toml lists must be there with its sha256. Nothing is downloaded or linked; the
# server checks the same checksums again at start.
#
#   scripts/setup-models.sh                                   # check models/
#   BAF_MODELS_DIR=/path/to/models scripts/setup-models.sh    # first copy a missing or corrupt file from there
#
# A missing or corrupt file makes it exit non-zero, naming the file and its upstream source. In a
# fresh clone this means the checkout is incomplete: `git checkout -- models/` restores the files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELS="${ROOT}/models"
MANIFEST="${MODELS}/manifest.toml"

# Optional source of repairs: only when BAF_MODELS_DIR is set and names another folder than models/.
SRC=""
if [[ -n "${BAF_MODELS_DIR:-}" && "$(realpath -m "${BAF_MODELS_DIR}")" != "$(realpath -m "${MODELS}")" ]]; then
    if [[ ! -d "${BAF_MODELS_DIR}" ]]; then
        echo "error: BAF_MODELS_DIR=${BAF_MODELS_DIR} is not a folder" >&2
        exit 1
    fi
    SRC="$(cd "${BAF_MODELS_DIR}" && pwd)"
fi

# One tab-separated "file sha256 source" line per [[model]] table. The manifest keeps one key per
# line; keys outside [[model]] tables (such as [embedding]'s `model = ...`) are ignored.
entries="$(awk -v OFS='\t' '
    function flush() { if (file != "") print file, sha, src; file = sha = src = "" }
    function value(line) { sub(/^[^=]*=[ \t]*/, "", line); gsub(/"/, "", line); sub(/[ \t]+$/, "", line); return line }
    /^[ \t]*\[\[model\]\][ \t]*$/ { flush(); in_model = 1; next }
    /^[ \t]*\[/                   { flush(); in_model = 0; next }
    !in_model                     { next }
    /^[ \t]*file[ \t]*=/          { file = value($0) }
    /^[ \t]*sha256[ \t]*=/        { sha = value($0) }
    /^[ \t]*source[ \t]*=/        { src = value($0) }
    END                           { flush() }' "${MANIFEST}")"
if [[ -z "${entries}" ]]; then
    echo "error: ${MANIFEST} lists no [[model]] files" >&2
    exit 1
fi

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

failed=0
while IFS=$'\t' read -r file sha source; do
    path="${MODELS}/${file}"
    if [[ -n "${SRC}" && ( ! -f "${path}" || "$(sha_of "${path}")" != "${sha}" ) && -f "${SRC}/${file}" ]]; then
        if [[ "$(sha_of "${SRC}/${file}")" == "${sha}" ]]; then
            rm -f "${path}"   # never write through a link left by an older set-up
            cp "${SRC}/${file}" "${path}.tmp.$$" && mv "${path}.tmp.$$" "${path}"
            echo "copied: models/${file} from ${SRC}"
        else
            echo "warning: ${SRC}/${file} has the wrong sha256 too; not copied" >&2
        fi
    fi
    if [[ ! -f "${path}" ]]; then
        echo "error: models/${file} is missing; upstream: ${source}" >&2
        failed=1
        continue
    fi
    got="$(sha_of "${path}")"
    if [[ "${got}" != "${sha}" ]]; then
        echo "error: models/${file} is corrupt: sha256 ${got}, expected ${sha}; upstream: ${source}" >&2
        failed=1
        continue
    fi
    echo "ok: models/${file}"
done <<< "${entries}"
exit "${failed}"
