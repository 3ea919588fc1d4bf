#!/bin/sh
# Installs Debian's chromium (its SwiftShader Vulkan driver is the software GPU of the webgpu tests; headless
# Chromium opens the browser page and HTML reports) and the Vulkan loader Dawn needs, when they are missing and
# this runs as root with apt-get. Idempotent and never fatal: without them those tests skip and say why.
# `npm test` runs it first.
set -u
ICD=/usr/lib/chromium/vk_swiftshader_icd.json
have_loader() { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; }
if [ -e "$ICD" ] && command -v chromium >/dev/null 2>&1 && have_loader; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: chromium/libvulkan1 missing and cannot install them here (needs root and apt-get); webgpu and browser tests will be skipped" >&2
  exit 0
fi
echo "ensure-chromium: installing chromium and libvulkan1 with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null \
  && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium libvulkan1 >/dev/null; }; then
  echo "ensure-chromium: apt-get failed; webgpu and browser tests will be skipped" >&2
fi
exit 0
