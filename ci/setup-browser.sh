#!/usr/bin/env bash
# Picked up by .ci/run (ci/setup-*.sh): the real browser the UI test drives. Debian's
# Chromium and its driver (/usr/bin/chromium, /usr/bin/chromedriver), plus the fonts a
# screenshot needs to show text. Playwright for Python comes with the test extra
# (pyproject.toml) and drives this Chromium through `executable_path`: `playwright install`
# downloads browsers from outside the registries and is never run.
# Idempotent: installs only what is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
if [ "${#need[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-browser: no apt-get here; install Chromium yourself (the UI test skips without it)" >&2
    exit 0
  fi
  echo "installing ${need[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "$(chromium --version 2>/dev/null | head -1), $(chromedriver --version 2>/dev/null | head -1 | cut -d' ' -f1-2)"
