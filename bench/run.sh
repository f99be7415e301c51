#!/usr/bin/env bash
# Benchmark: generate corpora and time `dossier build` on them.
#
#   bash bench/run.sh                 # 1k and 10k notes, 3 runs each
#   SIZES="1000 10000 30000" RUNS=5 bash bench/run.sh
#   EDITS=0 bash bench/run.sh         # skip the preview latency measurement
#
# Prints, per corpus size and output target: median and best wall time, peak
# RSS (GNU time's maximum resident set size) and output size. Each size is
# built twice: into the corpus folder on disk, and into /dev/shm (memory), which
# separates Dossier's own work from the disk's speed: on a virtual disk, writing
# 10k small files varies between runs by a factor of three or more. Corpora are generated once into
# bench/corpus/ (git-ignored) by examples/gen_corpus.rs and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 10000"}
RUNS=${RUNS:-3}
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
  echo "bench: GNU time is missing; install it with: apt-get install -y time" >&2
  exit 2
fi

cargo build --release --quiet --bin dossier --example gen_corpus --example serve_latency
BIN=target/release/dossier

TARGETS=("disk")
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TARGETS+=("memory"); fi

printf '%-8s %-8s %-10s %-10s %-14s %-12s %s\n' notes output median_s best_s peak_rss_MiB output_MiB bytes_per_note
for n in $SIZES; do
  dir=bench/corpus/$n
  if [ ! -f "$dir/site.toml" ]; then
    target/release/examples/gen_corpus --notes "$n" --out "$dir" >/dev/null
  fi
  for target in "${TARGETS[@]}"; do
  if [ "$target" = disk ]; then public="$dir/public"; else public="/dev/shm/dossier-bench-$n"; fi
  walls=()
  peak=0
  for _ in $(seq "$RUNS"); do
    sync
    out=$("$TIME" -f '%e %M' "$BIN" build --root "$dir" --output "$public" 2>&1 >/dev/null | tail -n 1)
    read -r wall rss <<<"$out"
    walls+=("$wall")
    if [ "$rss" -gt "$peak" ]; then peak=$rss; fi
  done
  sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
  median=$(printf '%s\n' "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
  best=$(printf '%s\n' "$sorted" | head -n 1)
  bytes=$(find "$public" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
  printf '%-8s %-8s %-10s %-10s %-14s %-12s %s\n' "$n" "$target" "$median" "$best" "$(( peak / 1024 ))" \
    "$(( bytes / 1048576 ))" "$(( bytes / n ))"
  if [ "$target" = memory ]; then rm -rf "$public"; fi
  done
done

# Preview: save-to-reload latency of `dossier serve` (median of EDITS edits).
EDITS=${EDITS:-20}
if [ "$EDITS" -gt 0 ]; then
  for n in $SIZES; do
    target/release/examples/serve_latency --root "bench/corpus/$n" --edits "$EDITS" | tail -n 1 | sed "s/^/$n notes: /"
  done
fi
