#!/usr/bin/env bash
# `tessera batch` end to end on a real series: slices/s and peak RSS, median,
# best and worst of N runs (release build expected at .build/release/tessera;
# scripts/build-release.sh makes it). A shared VM's speed drifts by tens of
# percent between minutes: compare runs made in the same minute.
#   bash scripts/bench-batch.sh [SERIES_FOLDER] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
series="${1:-../shared/data/ct/lidc-idri-0001}"
[ -d "$series" ] || series=SampleStudies/ct/lidc-idri-0001
runs="${2:-11}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for _ in $(seq 1 "$runs"); do
  rm -rf "$out/run"
  /usr/bin/time -f "%e %M" -o "$out/time" .build/release/tessera batch "$series" --output "$out/run" --no-progress \
    | tail -1 > "$out/summary"
  echo "$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['frames'], s['seconds'])" "$out/summary") $(cat "$out/time")"
done > "$out/results"
python3 - "$out/results" "$series" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
frames = int(rows[0][0])
batch = sorted(r[1] for r in rows); wall = sorted(r[2] for r in rows); rss = max(r[3] for r in rows) / 1024
print(f"tessera batch {sys.argv[2]}: {frames} slices, {len(rows)} runs, 2 cores")
def line(name, v):
    m = statistics.median(v)
    print(f"  {name} median {m:.3f} s = {frames / m:.0f} slices/s, best {v[0]:.3f} s = {frames / v[0]:.0f}, worst {v[-1]:.3f} s = {frames / v[-1]:.0f}")
line("batch time (inputs collected → last frame written):", batch)
line("wall time (process start → process exit):          ", wall)
print(f"  peak RSS: {rss:.1f} MiB   (goals: ≥ 500 slices/s, ≤ 300 MB)")
PY
