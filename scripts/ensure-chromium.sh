#!/usr/bin/env bash
# Part of `npm test`: installs Debian's chromium (headless Chromium opens the HTML report and the browser page; its
# SwiftShader Vulkan driver is the software GPU of the webgpu tests) and the Vulkan loader Dawn needs, when they
# are missing, as root or with passwordless sudo. Idempotent and never fatal: without them the browser test fails
# and says why, and the webgpu tests are skipped with the reason in their titles.
set -u
ICD=/usr/lib/chromium/vk_swiftshader_icd.json
have_loader() { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; }
have_browser() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then return 0; fi
  command -v chromium >/dev/null 2>&1
}
if have_browser && [ -e "$ICD" ] && have_loader; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: chromium/libvulkan1 missing and no apt-get; install them or set CHROMIUM_PATH" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-chromium: not root and no passwordless sudo; run: sudo apt-get install chromium libvulkan1" >&2
    exit 0
  fi
fi
echo "ensure-chromium: installing chromium and libvulkan1 with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null \
  && $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium libvulkan1 >/dev/null; }; then
  echo "ensure-chromium: apt-get failed; the browser and webgpu tests will say so" >&2
fi
exit 0
