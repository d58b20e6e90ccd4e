#!/usr/bin/env bash
# The main job on the bundled SampleStudies/: installs what is missing, builds
# a release binary, assembles the series and tokenizes every image.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product tessera
tessera=.build/release/tessera
out=out/SampleStudies
"$tessera" info SampleStudies
echo
for f in SampleStudies/ct/lidc-idri-0001/*.dcm SampleStudies/xray/*.dcm SampleStudies/compressed/*.dcm; do
  name=$(basename "$f" .dcm)
  "$tessera" tokenize "$f" --output "$out/$name.tokens.json"
done
echo
echo "Token maps (tessera.tokenmap/1) are in $out/."
