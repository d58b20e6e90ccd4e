#!/usr/bin/env bash
# The main job on the bundled SampleStudies/: installs what is missing, builds
# a release binary and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product tessera
tessera=.build/release/tessera
"$tessera" info SampleStudies
echo
for f in SampleStudies/compressed/*.dcm SampleStudies/xray/*.dcm; do
  "$tessera" info --checksum "$f"
done
