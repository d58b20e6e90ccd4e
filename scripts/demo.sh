#!/usr/bin/env bash
# The main job on the bundled SampleStudies/: installs what is missing, builds
# a release binary, and tokenizes every image of every series with `tessera batch`,
# writing a heatmap PNG, DICOM SEG and Secondary Capture next to each token map.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-release.sh
.build/release/tessera batch SampleStudies --output out/SampleStudies --heatmaps
