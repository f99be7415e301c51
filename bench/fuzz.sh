#!/usr/bin/env bash
# Runs a property test for MINUTES minutes, a fresh seed per round of CASES
# cases, and prints how many cases ran. A failure prints the seed and the
# smallest failing case, and stops. TEST picks the test: `fuzz` (the
# pipeline on random vaults, the default) or `incremental_prop` (the
# preview against clean builds over random edits).
#
#   bash bench/fuzz.sh 30            # 30 minutes
#   CASES=5000 bash bench/fuzz.sh 5
#   TEST=incremental_prop CASES=500 bash bench/fuzz.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-5}
CASES=${CASES:-2000}
TEST=${TEST:-fuzz}
# The test binary itself, so edits made meanwhile do not rebuild it mid-run.
BIN=$(cargo test --release --test "$TEST" --no-run 2>&1 | grep -o "target/release/deps/$TEST-[0-9a-f]*" | tail -1)
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
  ran=${ran:-$CASES}
  total=$((total + ran))
  rounds=$((rounds + 1))
done
echo "$TEST: $total cases in $rounds rounds of $CASES over $MINUTES minutes, all passed"
