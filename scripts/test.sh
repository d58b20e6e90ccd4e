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
# The PyTorch bridge (python/): its pytest suite on CPU, driving the CLI just
# built. Skipped, with the reason, only where torch cannot be installed.
bash scripts/install-python.sh
if python3 -c "import torch" 2>/dev/null; then
  TESSERA_BIN="$PWD/.build/debug/tessera" PYTHONPATH="$PWD/python" python3 -m pytest -q -rs -p no:cacheprovider python/tests
else
  echo "python tests skipped: torch could not be installed (see the lines above)"
fi
# A one-minute fuzzing smoke run of the DICOM reader (libFuzzer + ASan);
# any crash fails the run and leaves its input in out/fuzz/artifacts/.
bash scripts/fuzz.sh 60
