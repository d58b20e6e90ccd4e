#!/usr/bin/env bash
# Rebuilds Validation/*/suite.json from the shared reference data (deterministic
# seeds). The suites are committed; this records how they were made.
set -euo pipefail
cd "$(dirname "$0")/.."
T=.build/release/tessera
S=../shared/data
F="--test-fraction 0.4"
rm -f Validation/ct/suite.json Validation/xray/suite.json Validation/natural/suite.json
mkdir -p Validation/ct Validation/xray Validation/natural
# CT: LIDC-IDRI-0001 reader contours, and lung nodules inserted into every slice of the series.
$T phantom --suite Validation/ct/suite.json --domain ct --per-image 0 --annotated-only $F \
  --rois lidc:SampleStudies/ct/lidc-idri-0001/069.xml SampleStudies/ct/lidc-idri-0001
$T phantom --suite Validation/ct/suite.json --domain ct --per-image 2 --lung $F --seed 11 $S/ct/lidc-idri-0001/dicom
# X-ray: lesions inserted into the chest CR, the extremity CR and the DX, 16 placements each.
for seed in $(seq 1 16); do
  $T phantom --suite Validation/xray/suite.json --domain xray --per-image 2 $F --seed "$seed" \
    $S/xray/RG1_UNCR.dcm $S/xray/RG3_UNCR.dcm $S/xray/cat-DX.dcm
done
# Photographs (for the audit): objects inserted into the CC0 pictures.
for seed in 1 2; do
  $T phantom --suite Validation/natural/suite.json --domain natural --per-image 2 $F --seed "$seed" $S/natural
done
