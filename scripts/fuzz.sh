#!/usr/bin/env bash
# Fuzzes the DICOM reader (Fuzz/: header parse + first-frame decode) with
# libFuzzer and AddressSanitizer for SECONDS (default 60), on a corpus seeded
# with the conformance files (../shared/data/conformance, else the compact copy in Tests/Corpus/shared), the
# bundled samples and Tests/Corpus/hostile. Any crash fails the script and
# leaves its input in out/fuzz/artifacts/ (CI keeps it as an artefact).
#   bash scripts/fuzz.sh [SECONDS] [extra libFuzzer flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"; shift || true
out=out/fuzz
mkdir -p "$out/corpus" "$out/artifacts"
for f in Tests/Corpus/hostile/*.dcm SampleStudies/compressed/*.dcm ../shared/data/conformance/*.dcm Tests/Corpus/shared/data/conformance/*.dcm; do
  [ -f "$f" ] || continue
  # libFuzzer's -max_len caps what it reads; large seeds are still useful heads.
  cp -n "$f" "$out/corpus/" 2>/dev/null || true
done
(cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -g \
   -Xcc -fsanitize=fuzzer-no-link,address -Xcxx -fsanitize=fuzzer-no-link,address)
bin=Fuzz/.build/release/FuzzDicom
# Leak checking stays on (LeakSanitizer runs at exit and on each crash).
# Inputs up to 64 KB: headers, sequences and the start of pixel data, where
# the parsers are (a longer input mostly costs decode time).
set +e
ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:handle_abort=1" \
  "$bin" "$out/corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=30 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@" > "$out/fuzz.log" 2>&1
status=$?
set -e
grep -E "^#[0-9]+ +(pulse|DONE)|Done|ERROR|SUMMARY|stat::" "$out/fuzz.log" | tail -12
if ls "$out/artifacts/"crash-* "$out/artifacts/"leak-* "$out/artifacts/"oom-* >/dev/null 2>&1; then
  echo "fuzz: findings in $out/artifacts/" >&2; exit 1
fi
exit "$status"
