#!/usr/bin/env bash
# What the build and the accuracy pictures need beyond Rust: fontconfig's headers (plotters finds
# its font through fontconfig) and a font to draw the charts' text with (Debian packages).
set -euo pipefail
if ! pkg-config --exists fontconfig 2>/dev/null || ! fc-list 2>/dev/null | grep -qi "dejavu"; then
    echo "installing pkg-config, libfontconfig1-dev and fonts-dejavu-core (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq pkg-config libfontconfig1-dev fonts-dejavu-core >/dev/null
fi
echo "ok: fontconfig $(pkg-config --modversion fontconfig), $(fc-list | grep -ci dejavu) DejaVu fonts"
