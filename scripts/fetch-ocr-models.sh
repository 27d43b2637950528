#!/usr/bin/env bash
# Fetches the text detector and recogniser the document reader runs on ONNX Runtime: PP-OCRv4
# (PaddleOCR, Apache-2.0) as shipped inside the PyPI wheel rapidocr-onnxruntime 1.4.4. The wheel
# and both files are checked by sha256 and the files extracted into vendor/ocr/ (git-ignored).
# Idempotent: files already present and verified are kept.
#
#   scripts/fetch-ocr-models.sh     # -> vendor/ocr/ch_PP-OCRv4_det_infer.onnx, ch_PP-OCRv4_rec_infer.onnx
set -euo pipefail

VERSION=1.4.4
WHEEL_SHA256=971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf
MODELS=(
    "ch_PP-OCRv4_det_infer.onnx d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"
    "ch_PP-OCRv4_rec_infer.onnx 48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${ROOT}/vendor/ocr"
sha() { sha256sum "$1" | cut -d' ' -f1; }

verified() {
    for entry in "${MODELS[@]}"; do
        read -r file expected <<<"${entry}"
        [[ -f "${DEST}/${file}" && "$(sha "${DEST}/${file}")" == "${expected}" ]] || return 1
    done
}
if verified; then
    echo "ok: ${DEST} already present and verified"
    exit 0
fi

PIP="${PIP:-pip}"
command -v "${PIP}" >/dev/null || PIP=pip3
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
"${PIP}" download --quiet --no-deps --only-binary=:all: --dest "${WORK}" "rapidocr-onnxruntime==${VERSION}"
WHEEL="${WORK}/rapidocr_onnxruntime-${VERSION}-py3-none-any.whl"
if [[ "$(sha "${WHEEL}")" != "${WHEEL_SHA256}" ]]; then
    echo "error: $(basename "${WHEEL}") sha256 $(sha "${WHEEL}") (expected ${WHEEL_SHA256})" >&2
    exit 1
fi
mkdir -p "${DEST}"
for entry in "${MODELS[@]}"; do
    read -r file expected <<<"${entry}"
    python3 - "${WHEEL}" "${file}" "${WORK}/${file}" <<'PY'
import sys, zipfile
wheel, name, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(f"rapidocr_onnxruntime/models/{name}") as src, open(out, "wb") as dst:
    dst.write(src.read())
PY
    if [[ "$(sha "${WORK}/${file}")" != "${expected}" ]]; then
        echo "error: ${file} sha256 $(sha "${WORK}/${file}") (expected ${expected})" >&2
        exit 1
    fi
    install -m 0644 "${WORK}/${file}" "${DEST}/${file}"
done
echo "ok: ${DEST}"
