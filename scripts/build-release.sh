#!/usr/bin/env bash
# The release binary (.build/release/tessera), as every script builds it: the
# Swift runtime and Foundation linked statically, so the binary starts without
# resolving a dozen Swift shared libraries (about 15 ms of every run, a twentieth
# of a 133-slice batch) and runs on machines without the Swift toolchain.
#
# On an x86-64 CPU with AVX2 and FMA (Intel since 2013, AMD since 2015) it is
# built for those instructions: the SIMD loops run twice as wide (8% less CPU
# per CT slice). Neither Swift nor C here fuses a multiply and an add
# (-ffp-contract=off), so every output is bit-identical to a baseline build.
# TESSERA_PORTABLE=1 builds for the x86-64 baseline instead (any 64-bit x86).
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=()
if [ "$(uname -m)" = x86_64 ] && [ -z "${TESSERA_PORTABLE:-}" ]; then
  have=1
  for flag in avx2 fma bmi2 movbe f16c; do grep -qw "$flag" /proc/cpuinfo || have=0; done
  if [ "$have" = 1 ]; then
    cpu=(-Xswiftc -target-cpu -Xswiftc haswell -Xcc -march=haswell -Xcxx -march=haswell
         -Xcc -ffp-contract=off -Xcxx -ffp-contract=off)
  fi
fi
swift build -c release --static-swift-stdlib --product tessera "${cpu[@]}"
