#!/usr/bin/env bash
# Benchmarks against the real peers, in one run (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
python3 -c "import pydicom, numpy, pylibjpeg" 2>/dev/null \
  || python3 -m pip install -q pydicom pylibjpeg pylibjpeg-openjpeg numpy
bash scripts/build-release.sh
.build/release/tessera bench load "$@"
bash scripts/bench-batch.sh
