#!/usr/bin/env bash
# Fetches the ONNX Runtime shared library the `verification` crate loads at run time (ort `load-dynamic`).
#
# The library comes from the PyPI wheel `onnxruntime==1.31.1`: every CPython tag of that version carries the
# same native library, which depends only on glibc and libstdc++. It is extracted into vendor/onnxruntime/
# (git-ignored). Nothing is downloaded at build time; run this once per checkout. Idempotent: a present,
# verified library is kept.
#
#   scripts/fetch-onnxruntime.sh            # -> vendor/onnxruntime/libonnxruntime.so.1.31.1
#   ORT_DYLIB_PATH=... baf-server ...       # or point the server at a library installed elsewhere
set -euo pipefail

VERSION=1.31.1
LIB="libonnxruntime.so.${VERSION}"
# sha256 of the library inside the wheel (models/MODELS.md, "How the runtime library is obtained").
LIB_SHA256=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
# sha256 of onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl, the wheel MODELS.md was written from.
WHEEL_SHA256_CP311=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${ROOT}/vendor/onnxruntime"
TARGET="${DEST}/${LIB}"

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "${TARGET}" && "$(sha "${TARGET}")" == "${LIB_SHA256}" ]]; then
    echo "ok: ${TARGET} already present and verified"
    exit 0
fi

PIP="${PIP:-pip}"
command -v "${PIP}" >/dev/null || PIP=pip3
command -v "${PIP}" >/dev/null || { echo "error: pip is needed to download the onnxruntime wheel" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

# --only-binary and --platform make pip pick a manylinux x86_64 wheel whatever the local Python is.
"${PIP}" download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 --dest "${WORK}" "onnxruntime==${VERSION}"
WHEEL="$(ls "${WORK}"/onnxruntime-"${VERSION}"-*.whl)"
WHEEL_SHA="$(sha "${WHEEL}")"
echo "wheel: $(basename "${WHEEL}") sha256 ${WHEEL_SHA}"

python3 - "${WHEEL}" "${WORK}" "${LIB}" <<'PY'
import sys, zipfile
wheel, out, lib = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    with z.open(f"onnxruntime/capi/{lib}") as src, open(f"{out}/{lib}", "wb") as dst:
        dst.write(src.read())
PY

GOT="$(sha "${WORK}/${LIB}")"
if [[ "${GOT}" != "${LIB_SHA256}" ]]; then
    # A different build of the same version would differ here; the wheel hash then says whether it is the
    # wheel MODELS.md was checked against.
    if [[ "${WHEEL_SHA}" != "${WHEEL_SHA256_CP311}" ]]; then
        echo "error: ${LIB} sha256 ${GOT} (expected ${LIB_SHA256}) and wheel sha256 ${WHEEL_SHA}" \
             "(expected ${WHEEL_SHA256_CP311}); refusing an unverified runtime" >&2
        exit 1
    fi
    echo "warning: ${LIB} sha256 ${GOT} differs from MODELS.md, but the wheel is the verified one" >&2
fi

mkdir -p "${DEST}"
install -m 0755 "${WORK}/${LIB}" "${TARGET}"
echo "ok: ${TARGET}"
