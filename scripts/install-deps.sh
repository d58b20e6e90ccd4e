#!/usr/bin/env bash
# Installs the Debian packages Tessera builds and tests against, only those missing.
set -euo pipefail
packages=(libdcmtk-dev libopenjp2-7-dev libopenjp2-tools libpng-dev libjpeg62-turbo-dev libxxhash-dev dicom3tools chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The tests cross-check outputs with Python and numpy (the contract's reference checker, .npy loading).
if ! python3 -c "import numpy" 2>/dev/null; then missing+=(python3 python3-numpy); fi
if ! python3 -m pip --version >/dev/null 2>&1; then missing+=(python3-pip); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "tessera: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The heatmap tests read our DICOM SEG and Secondary Capture back with pydicom
# and highdicom (from PyPI: Debian has no highdicom package).
if ! python3 -c "import pydicom, highdicom" 2>/dev/null; then
  echo "tessera: installing pydicom and highdicom (pip)" >&2
  python3 -m pip install --quiet "pydicom>=3.0.1,<4" "highdicom==0.28.2" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "pydicom>=3.0.1,<4" "highdicom==0.28.2"
fi
