#!/usr/bin/env bash
# Schemathesis (PyPI), the OpenAPI fuzzer the contract test runs against the real server, in its
# own virtual environment under vendor/schemathesis, with every package pinned.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=vendor/schemathesis
REQUIREMENTS=scripts/schemathesis-requirements.txt
VERSION="$(sed -n 's/^schemathesis==//p' "${REQUIREMENTS}")"
if [ "$("${ROOT}/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version ${VERSION}" ]; then
    echo "installing schemathesis ${VERSION} (PyPI) into ${ROOT}"
    python3 -m venv --clear "${ROOT}"
    "${ROOT}/bin/pip" install --quiet --disable-pip-version-check --no-deps --requirement "${REQUIREMENTS}"
fi
echo "ok: $("${ROOT}/bin/schemathesis" --version)"
