#!/usr/bin/env bash
# Installs the Debian packages Tessera builds and tests against, only those missing.
set -euo pipefail
packages=(libdcmtk-dev libopenjp2-7-dev libopenjp2-tools libpng-dev libjpeg62-turbo-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The tests cross-check outputs with Python and numpy (the contract's reference checker, .npy loading).
if ! python3 -c "import numpy" 2>/dev/null; then missing+=(python3 python3-numpy); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "tessera: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
