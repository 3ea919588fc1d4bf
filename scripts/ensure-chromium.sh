#!/usr/bin/env bash
# The HTML report's browser test needs a headless Chromium. Part of `npm test`: installs Debian's `chromium`
# when none is found (as root, or with passwordless sudo), so CI on a fresh machine has one. Never fails the
# build itself: without a browser the browser test fails and says why.
set -u
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
for b in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done
if [ -x "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no Chromium and no apt-get; install Chromium or set CHROMIUM_PATH (the browser test needs it)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-chromium: not root and no passwordless sudo; run: sudo apt-get install chromium" >&2
    exit 0
  fi
fi
echo "ensure-chromium: installing Debian's chromium for the browser test" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null \
  || echo "ensure-chromium: apt-get install chromium failed (the browser test will say so)" >&2
exit 0
