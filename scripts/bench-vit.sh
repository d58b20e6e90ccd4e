#!/usr/bin/env bash
# ViT-B/16 at 512x512 on Tessera's tokens of LIDC-IDRI-0001 against the
# 1024-token grid (python/benchmarks/bench_vit.py). Not a timed test.
#   bash scripts/bench-vit.sh [--batch 32] [--reps 3] [--model vit_base_patch16_224] [--device cuda --dtype bfloat16]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-python.sh
bash scripts/build-release.sh
series=../shared/data/ct/lidc-idri-0001/dicom
[ -d "$series" ] || series=SampleStudies/ct/lidc-idri-0001
out=$(mktemp -d /tmp/tessera-bench-vit.XXXXXX)
trap 'rm -rf "$out"' EXIT
.build/release/tessera batch "$series" --output "$out" --outputs tokens,safetensors --no-progress > /dev/null
PYTHONPATH=python python3 python/benchmarks/bench_vit.py "$out" "$@"
