#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium on stdout, installing Debian's `chromium` and
# `chromium-driver` when missing (as root, like CI here). Used by the portal's browser test; it
# exits non-zero, and the test fails, when Chromium cannot be installed or does not start.
#
#   CHROMIUM="$(tools/chromium.sh)"
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

find_chromium() {
  local c
  for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null; then command -v "$c"; return 0; fi
  done
  return 1
}

if ! bin="$(find_chromium)"; then
  if [[ $(id -u) -ne 0 ]]; then
    log "Chromium is missing and installing it needs root: apt-get install -y chromium chromium-driver"
    exit 1
  fi
  log "installing chromium and chromium-driver from Debian"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q chromium chromium-driver >&2; then
    apt-get update -q >&2
    apt-get install -y -q chromium chromium-driver >&2
  fi
  bin="$(find_chromium)" || { log "chromium installed but not on PATH"; exit 1; }
fi

# It must start headless here (as root it needs --no-sandbox).
if ! "$bin" --headless --no-sandbox --disable-gpu --dump-dom about:blank >/dev/null 2>&1; then
  log "$bin does not start headless"
  exit 1
fi
echo "$bin"
