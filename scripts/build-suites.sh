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
# CT beyond the lung: one suite over every region, lesions of both polarities
# at realistic low contrast (brain 8–30 HU, elsewhere 15–60 HU), and the real
# IBSI STS_001 sarcoma contours (RTSTRUCT matched by Frame of Reference + z).
R=Validation/ct-regions/suite.json
rm -f "$R"; mkdir -p Validation/ct-regions
for seed in $(seq 1 10); do
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --contrast-hu 8:30 $S/conformance/693_UNCR.dcm
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --contrast-hu 10:40 $S/conformance/bad_sequence.dcm
done
for seed in 1 2; do
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --every 4 --contrast-hu 8:30 $S/ct/gantry-tilt-head
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --every 6 --contrast-hu 15:60 $S/ct/ibsi-sts001/dicom/image
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$((seed + 20))" --every 12 --contrast-hu 15:60 $S/ct/lidc-idri-0001/dicom
done
for seed in $(seq 1 8); do
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --contrast-hu 15:60 $S/conformance/explicit_VR-UN.dcm
done
for seed in $(seq 1 4); do
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --contrast-hu 15:60 $S/ct/dcmqi-ct3slice/01.dcm \
    $S/ct/dcmqi-ct3slice/02.dcm $S/ct/dcmqi-ct3slice/03.dcm
done
$T phantom --suite $R --domain ct --per-image 0 --annotated-only $F --seed 100 \
  --rois rtstruct:$S/ct/ibsi-sts001/dicom/mask/RS.dcm $S/ct/ibsi-sts001/dicom/image
# Lesions against a tissue border (heart border, chest wall, organ edges, bone;
# rib and organ edges on radiographs), both polarities, low contrast.
for seed in 31 32 33; do
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --against-border --contrast-hu 8:30 $S/conformance/693_UNCR.dcm
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --against-border --contrast-hu 15:60 \
    $S/conformance/explicit_VR-UN.dcm $S/ct/dcmqi-ct3slice/02.dcm
  $T phantom --suite $R --domain ct --per-image 2 $F --seed "$seed" --every 16 --against-border --contrast-hu 15:60 $S/ct/lidc-idri-0001/dicom
done
B=Validation/xray-border/suite.json
rm -f "$B"; mkdir -p Validation/xray-border
for seed in $(seq 1 6); do
  $T phantom --suite $B --domain xray --per-image 2 $F --seed "$seed" --against-border \
    $S/xray/RG1_UNCR.dcm $S/xray/RG3_UNCR.dcm $S/xray/cat-DX.dcm
done

# Mammography: subtle masses (2–6% of the image's range) and calcification
# clusters (4–15%) inserted into three CBIS-DDSM film mammograms (CC and MLO,
# pectoral muscle and skin line included), also against a border.
M=Validation/mammography/suite.json
rm -f "$M"; mkdir -p Validation/mammography
for seed in $(seq 1 6); do
  $T phantom --suite $M --domain xray --per-image 2 $F --seed "$seed" --shapes round,spiculated,lobulated \
    --contrast-fraction 0.02:0.06 SampleStudies/mg
  $T phantom --suite $M --domain xray --per-image 2 $F --seed "$((seed + 10))" --shapes calcificationCluster \
    --contrast-fraction 0.04:0.15 SampleStudies/mg
done
for seed in 31 32 33; do
  $T phantom --suite $M --domain xray --per-image 2 $F --seed "$seed" --against-border --shapes spiculated,round \
    --contrast-fraction 0.02:0.06 SampleStudies/mg
  $T phantom --suite $M --domain xray --per-image 2 $F --seed "$((seed + 10))" --against-border --shapes calcificationCluster \
    --contrast-fraction 0.04:0.15 SampleStudies/mg
done

# Subtle radiographic lesions: contrast a fixed 2–4% (chest) and 2–6% (chest
# and extremity) of the image's range, where anatomical texture (ribs,
# vessels, trabeculae) is as strong as the lesion.
X=Validation/xray-subtle/suite.json
rm -f "$X"; mkdir -p Validation/xray-subtle
for seed in $(seq 1 12); do
  $T phantom --suite $X --domain xray --per-image 2 $F --seed "$seed" --contrast-fraction 0.02:0.04 \
    $S/xray/RG1_UNCR.dcm $S/xray/cat-DX.dcm
done
for seed in $(seq 101 106); do
  $T phantom --suite $X --domain xray --per-image 2 $F --seed "$seed" --contrast-fraction 0.02:0.06 \
    $S/xray/RG1_UNCR.dcm $S/xray/RG3_UNCR.dcm $S/xray/cat-DX.dcm
done
