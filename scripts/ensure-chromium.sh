#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the browser test of the verification page.
set -euo pipefail
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "installing chromium and chromium-driver (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
fi
echo "ok: $(chromium --version 2>/dev/null | head -1)"
