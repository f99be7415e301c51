#!/usr/bin/env bash
# Runs the pipeline property test (tests/fuzz.rs) for MINUTES minutes, a
# fresh seed per round of CASES cases, and prints how many cases ran. A
# failure prints the seed and the smallest failing vault, and stops.
#
#   bash bench/fuzz.sh 30            # 30 minutes
#   CASES=5000 bash bench/fuzz.sh 5
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-5}
CASES=${CASES:-2000}
# The test binary itself, so edits made meanwhile do not rebuild it mid-run.
BIN=$(cargo test --release --test fuzz --no-run 2>&1 | grep -o 'target/release/deps/fuzz-[0-9a-f]*' | tail -1)
deadline=$(( $(date +%s) + MINUTES * 60 ))
total=0
rounds=0
seed=$(date +%s)
while [ "$(date +%s)" -lt "$deadline" ]; do
  seed=$((seed + 1))
  if ! out=$(PROPTEST_CASES=$CASES PROPTEST_RNG_SEED=$seed "$BIN" --nocapture 2>&1); then
    echo "$out" | tail -40
    echo "fuzz: FAILED with PROPTEST_RNG_SEED=$seed after $total cases" >&2
    exit 1
  fi
  ran=$(echo "$out" | sed -n 's/^fuzz: \([0-9]*\) cases.*/\1/p')
  total=$((total + ran))
  rounds=$((rounds + 1))
done
echo "fuzz: $total cases in $rounds rounds of $CASES over $MINUTES minutes, no panic, every page bounded"
