#!/usr/bin/env bash
# The release binary (.build/release/tessera), as every script builds it: the
# Swift runtime and Foundation linked statically, so the binary starts without
# resolving a dozen Swift shared libraries (about 15 ms of every run, a twentieth
# of a 133-slice batch) and runs on machines without the Swift toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product tessera
