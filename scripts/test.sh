#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/test.log
# Tests that need the full reference data (../shared/data) skip, with their
# reason, when it is absent: say how many, never pass them silently.
skipped=$(grep -cE '^. Test .* skipped' .build/test.log || true)
echo "tests skipped: ${skipped}"
grep -E '^. Test .* skipped' .build/test.log | sed 's/^/  /' || true
# A one-minute fuzzing smoke run of the DICOM reader (libFuzzer + ASan);
# any crash fails the run and leaves its input in out/fuzz/artifacts/.
bash scripts/fuzz.sh 60
