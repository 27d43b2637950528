#!/usr/bin/env bash
# The ffmpeg program, which decodes motion-control videos (crates/video): Debian's package.
set -euo pipefail
if ! command -v ffmpeg >/dev/null 2>&1; then
    echo "installing ffmpeg (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
fi
echo "ok: $(ffmpeg -version | head -1)"
