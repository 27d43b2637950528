#!/usr/bin/env bash
# An S3-compatible server for the tests of the bucket media store: s3s-fs, a Rust S3 server over a
# local folder (real HTTP and SigV4), built from crates.io into vendor/s3s-fs. Chosen because it
# installs with the toolchain the build already needs; MinIO has no package on a registry
# reachable here, and moto (PyPI) keeps objects in memory. 0.14.1 is the last release that
# builds with this toolchain (rustc 1.95).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION=0.14.1
ROOT=vendor/s3s-fs
if [ "$("${ROOT}/bin/s3s-fs" --version 2>/dev/null)" != "s3s-fs ${VERSION}" ]; then
    echo "building s3s-fs ${VERSION} (crates.io)"
    cargo install s3s-fs --version "${VERSION}" --features binary --locked --root "${ROOT}" --quiet
fi
echo "ok: $("${ROOT}/bin/s3s-fs" --version)"
