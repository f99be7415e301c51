#!/usr/bin/env bash
# A/B: two Dossier binaries built alternately on one corpus, for deciding
# whether a change is faster on a machine whose speed drifts over minutes.
#
#   cp target/release/dossier /tmp/dossier-before     # then change, rebuild
#   bash bench/ab.sh /tmp/dossier-before target/release/dossier bench/corpus/10000 10
#
# Prints each binary's median wall time, user CPU time and peak RSS, and the
# medians of B/A over the neighbouring pairs of runs (the figure to trust).
# For a deterministic count, compare instructions instead:
#   valgrind --tool=callgrind BIN build --root bench/corpus/1000 --output /dev/shm/o1
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bash bench/ab.sh BINARY_A BINARY_B CORPUS [RUNS]" >&2
  exit 2
fi
A=$1 B=$2 CORPUS=$3 RUNS=${4:-8}
OUT=${OUT:-/dev/shm/dossier-ab}
for _ in $(seq "$RUNS"); do
  for side in A B; do
    bin=${!side}
    rm -rf "$OUT"
    /usr/bin/time -f "$side %e %U %M" "$bin" build --root "$CORPUS" --output "$OUT" 2>&1 >/dev/null | tail -1
  done
done | python3 -c '
import statistics as st, sys
runs = {}
for line in sys.stdin:
    side, *figures = line.split()
    runs.setdefault(side, []).append([float(f) for f in figures])
for side in "AB":
    wall, user, rss = zip(*runs[side])
    print(f"{side}: wall {st.median(wall):.3f} s, user {st.median(user):.3f} s, peak RSS {st.median(rss) / 1024:.0f} MiB")
pairs = list(zip(runs["A"], runs["B"]))
print("B/A: wall %.3f, user %.3f (medians over %d pairs)" % (
    st.median(b[0] / a[0] for a, b in pairs), st.median(b[1] / a[1] for a, b in pairs), len(pairs)))
'
rm -rf "$OUT"
