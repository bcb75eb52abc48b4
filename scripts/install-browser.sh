#!/bin/sh
# Installs Debian's chromium (for the dashboard's browser test) when it is missing, and prints
# its path. Idempotent and quiet: prints only the path, or one line saying why it cannot install.
# Exit codes: 0 installed or already there; 2 cannot install here (no apt-get, or not root).
set -eu

find_chromium() {
  for name in chromium chromium-browser; do
    if path=$(command -v "$name" 2>/dev/null); then
      echo "$path"
      return 0
    fi
  done
  return 1
}

if find_chromium; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: chromium is missing and apt-get is not available to install it" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-browser: chromium is missing and installing it needs root (run: sudo apt-get install chromium)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
  echo "install-browser: apt-get could not install chromium:" >&2
  tail -n 5 "$log" >&2
  exit 1
fi

if find_chromium; then
  exit 0
fi
echo "install-browser: chromium was installed but is not on PATH" >&2
exit 1
