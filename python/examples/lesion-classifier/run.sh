#!/usr/bin/env bash
# Fewer tokens, same accuracy? Trains the same small ViT from scratch, once on
# the uniform 16-px grid and once on Tessera's tokens, to tell LIDC-IDRI-0001
# slices with an inserted lung nodule (Tessera's lesion phantom, as the
# Validation suites use it) from the same slices without one; prints AUC,
# training time and inference time for both. About 10-15 minutes on 2 cores.
#   bash python/examples/lesion-classifier/run.sh [--epochs N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/../../.."
series=../shared/data/ct/lidc-idri-0001/dicom
if [ ! -d "$series" ]; then
  echo "lesion-classifier: needs $series (LIDC-IDRI-0001's 133 slices, ../shared/data beside the repository)" >&2
  exit 1
fi
bash scripts/install-deps.sh
bash scripts/install-python.sh
bash scripts/build-release.sh
work=$(mktemp -d /tmp/tessera-lesion-classifier.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Positives: one nodule (3-30 mm, CNR 5-20) per slice, in aerated lung.
.build/release/tessera phantom --suite "$work/suite.json" --domain ct --per-image 1 --lung --seed 7 "$series" > /dev/null
# validate exits 1 if the profile coarsened a nodule; the export is written either way.
.build/release/tessera validate "$work/suite.json" --split all --export "$work/lesion" > /dev/null || true
[ -f "$work/lesion/cases.csv" ] || { echo "lesion-classifier: tessera validate --export wrote no cases.csv" >&2; exit 1; }
# Negatives: the same slices as they are.
.build/release/tessera batch "$series" --output "$work/clean" --outputs tokens,safetensors --no-progress > /dev/null
PYTHONPATH=python python3 python/examples/lesion-classifier/train.py "$work/lesion" "$work/clean" "$@"
