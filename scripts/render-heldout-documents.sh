#!/usr/bin/env bash
# A held-out document set: shared/documents' own generator (generator/gen_docs.py) run with a seed
# the reader was never tuned on, so its accuracy can be measured on documents it has not seen.
#   scripts/render-heldout-documents.sh [DIR] [SEED]   (default target/heldout-documents, 2207)
# A second seed gives a fresh set for a change made after looking at the first one's failures.
# Then: baf-server document evaluate --labels DIR/synthetic_labels.json --out docs/accuracy/documents-heldout
# Needs Debian's fonts-ocr-b and fonts-dejavu-core, and the Python packages pinned in
# scripts/docgen-requirements.txt (installed into vendor/docgen). The pictures stay outside git.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${1:-target/heldout-documents}"
SEED="${2:-2207}"
GENERATOR=../shared/documents/generator/gen_docs.py
ROOT=vendor/docgen
REQUIREMENTS=scripts/docgen-requirements.txt
if [ ! -f /usr/share/fonts/opentype/ocr-b/OCRB.otf ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    echo "installing fonts-ocr-b and fonts-dejavu-core (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq fonts-ocr-b fonts-dejavu-core >/dev/null
fi
if ! cmp -s <("${ROOT}/bin/pip" freeze 2>/dev/null) "${REQUIREMENTS}"; then
    echo "installing the generator's packages into ${ROOT}"
    python3 -m venv --clear "${ROOT}"
    "${ROOT}/bin/pip" install --quiet --disable-pip-version-check --no-deps --requirement "${REQUIREMENTS}"
fi
# Twice the development set's documents of each kind, none of them in it: the seed is its own.
"${ROOT}/bin/python" "${GENERATOR}" --out "${OUT}" --seed "${SEED}" --prefix ho \
    --faces ../shared/faces/selfie --n-td3 24 --n-td1 24 --n-td2 6 --n-dl 24 --n-other 0 --n-blank 3
