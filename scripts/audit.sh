#!/usr/bin/env bash
# The domain-generalization audit on the shipped sets (Validation/audit/):
# every built-in profile on X-ray, photographs and CT → out/audit/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-release.sh
.build/release/tessera audit --domain xray=Validation/audit/xray --domain natural=Validation/audit/natural \
  --domain ct=Validation/audit/ct --output out/audit
