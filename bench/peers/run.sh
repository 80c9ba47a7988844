#!/usr/bin/env bash
# The side-by-side benchmark: our sampler, JAGS 4 (+ glm module) and Stan (rstan, NUTS) on the canonical models,
# sleepstudy with an LKJ prior and the conformance suite's GLMMs (bench/peers/models.csv), one core each
# (taskset -c $CORE), run one after another: for each repeat, for each model, ours, then JAGS, then Stan.
# Every run: 4 chains, one after another, W warm-up iterations then D kept draws per chain; wall time includes
# warm-up and excludes our JIT (untimed short runs until the JIT is quiet), JAGS's model compilation and Stan's C++ compilation
# (all three reported separately). ESS and R-hat by R's posterior package for all three (summarise.R).
#
# Usage: bench/peers/run.sh [--repeat K] [--long] [--warmup W] [--draws D] [--set canonical|glmm,...]
#                           [--models a,b,...] [--no-stan] [--no-jags] [--no-ours] [--no-build] [--no-summary] [--label L] [--out DIR]
#   default run length 4 x (1,000 warm-up + 1,000 draws); --long: 4 x (1,000 + 20,000)
#   models: all of models.csv (both sets: the canonical eight with sleepstudy's LKJ prior, and the GLMMs) unless
#   --set or --models narrows them
#   results: bench/results/peers/<UTC date>-<label>/summary.md, summary.csv, runs.csv, env.txt; the label defaults to
#   the run length (default, long, d<D>); an existing folder is never overwritten (a -HHMM suffix is added)
#   draws and logs: $WORK (default /tmp/hier-peers-<stamp>), not kept in the repository
#   --no-ours with WORK=<an earlier run's folder> adds peer runs to that run's repeats (e.g. Stan once its programs
#   are compiled); the ratios then pair runs made at different times, so read the per-CPU-second columns
#   --no-summary skips summarise.R (slow on a loaded machine) so that another batch can start at once
#   CORE=c pins to core c (default 0); FIRST=k starts at repeat k (seed k)
#   OURS_DLL=path runs that build as "ours" (default: the one --no-build or the build step leaves in bench/);
#   BEFORE_DLL=path: also run that build of HierFunctional.Bench.dll (e.g. the commit before a change) as side
#   "before", right after ours in each repeat, for a before/after comparison in the same run
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
K=1; W=1000; D=1000; LEN=default; MODELS=""; SETS=""; LABEL=""; STAN=1; JAGS=1; OURS=1; BUILD=1; SUMMARY=1; OUT=""
CORE=${CORE:-0}
FIRST=${FIRST:-1}   # first repeat (its seed): FIRST=2 continues an interrupted --repeat run
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) K=$2; shift 2 ;;
    --long) D=20000; LEN=long; shift ;;
    --warmup) W=$2; shift 2 ;;
    --draws) D=$2; LEN=d$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --set) SETS=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    --no-stan) STAN=0; shift ;;
    --no-jags) JAGS=0; shift ;;
    --no-ours) OURS=0; BUILD=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-summary) SUMMARY=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
stamp=$(date -u +%Y-%m-%d-%H%M)
if [ -z "$OUT" ]; then
  OUT=$root/bench/results/peers/$(date -u +%Y-%m-%d)-${LABEL:-$LEN}
  [ ! -e "$OUT" ] || OUT=$OUT-$(date -u +%H%M)
fi
WORK=${WORK:-/tmp/hier-peers-$stamp}
CACHE=${STAN_CACHE:-$here/.cache}
pin() { if command -v taskset > /dev/null; then taskset -c "$CORE" "$@"; else "$@"; fi; }
load() { cut -d' ' -f1 /proc/loadavg; }

all=$(tail -n +2 "$here/models.csv" | cut -d, -f1)
models=${MODELS//,/ }
if [ -z "$models" ] && [ -n "$SETS" ]; then
  for st in ${SETS//,/ }; do
    inset=$(awk -F, -v s="$st" 'NR > 1 && $2 == s { print $1 }' "$here/models.csv")
    [ -n "$inset" ] || { echo "unknown set $st; known: $(tail -n +2 "$here/models.csv" | cut -d, -f2 | sort -u | xargs)" >&2; exit 2; }
    models="$models $inset"
  done
fi
models=${models:-$all}; models=$(echo $models)
field() { awk -F, -v m="$1" -v c="$2" '$1 == m { print $c }' "$here/models.csv"; }
for m in $models; do [ -n "$(field "$m" 1)" ] || { echo "unknown model $m; known: $(echo $all)" >&2; exit 2; }; done
mkdir -p "$OUT" "$WORK"

if [ "$BUILD" = 1 ]; then dotnet build -c Release "$root/bench/HierFunctional.Bench" --nologo -v q; fi
DLL=${OURS_DLL:-$root/bench/HierFunctional.Bench/bin/Release/net10.0/HierFunctional.Bench.dll}
# Stan programs are compiled once into $CACHE, each just before its first run (compile time in compile_<prog>.csv).
compiled() { [ -f "$CACHE/$1.rds" ] && cmp -s "$here/models/$1.stan" "$CACHE/$1.stan"; }

{ echo "started $(date -u '+%Y-%m-%d %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, pinned to core $CORE"
  echo "commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ' (with local changes)')"
  echo "ours: $DLL"
  [ -z "${BEFORE_DLL:-}" ] || echo "before: $BEFORE_DLL"
  echo "Stan cache: $CACHE"
  echo "length 4 chains x ($W warm-up + $D draws); repeats $K; models $models"
  echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "dotnet $(dotnet --version)"
  echo "$(R --version | head -1)"
  Rscript -e 'cat("rstan", as.character(packageVersion("rstan")), "| StanHeaders", as.character(packageVersion("StanHeaders")), "| rjags", as.character(packageVersion("rjags")), "| posterior", as.character(packageVersion("posterior")), "\n"); suppressMessages(library(rjags)); cat("JAGS", as.character(jags.version()), "\n")'
} >> "$OUT/env.txt"
cat "$OUT/env.txt"

for k in $(seq "$FIRST" $((FIRST + K - 1))); do
  for m in $models; do
    ours=$(field "$m" 3); mon=$(field "$m" 6)
    if [ "$OURS" = 1 ]; then
      p="$WORK/${m}__ours__r$k"
      echo "== repeat $k, $m: ours (load $(load))"
      pin dotnet "$DLL" peers-ours "$ours" "$W" "$D" "$k" "${mon// /,}" "$p.csv" > "$p.log"
      { grep -E '^(seconds|cpu_s|setup_s|fs_min_bulk|fs_max_rhat) ' "$p.log" | cut -d' ' -f1,2; echo "load $(load)"; } > "$p.meta"
    fi
    if [ -n "${BEFORE_DLL:-}" ]; then
      echo "== repeat $k, $m: before (load $(load))"
      p="$WORK/${m}__before__r$k"
      pin dotnet "$BEFORE_DLL" peers-ours "$ours" "$W" "$D" "$k" "${mon// /,}" "$p.csv" > "$p.log"
      { grep -E '^(seconds|cpu_s|setup_s|fs_min_bulk|fs_max_rhat) ' "$p.log" | cut -d' ' -f1,2; echo "load $(load)"; } > "$p.meta"
    fi
    if [ "$JAGS" = 1 ]; then
      echo "== repeat $k, $m: JAGS (load $(load))"
      p="$WORK/${m}__JAGS__r$k"
      pin Rscript "$here/peer.R" "$m" JAGS "$W" "$D" "$k" "$p" "$CACHE" > "$p.log" 2>&1 || { cat "$p.log"; exit 1; }
      echo "load $(load)" >> "$p.meta"
    fi
    if [ "$STAN" = 1 ]; then
      prog=$(field "$m" 4)
      compiled "$prog" || Rscript "$here/compile_stan.R" "$CACHE" "$here/models/$prog.stan" 2>&1 | tee -a "$WORK/compile.log"
      echo "== repeat $k, $m: Stan (load $(load))"
      p="$WORK/${m}__Stan__r$k"
      pin Rscript "$here/peer.R" "$m" Stan "$W" "$D" "$k" "$p" "$CACHE" > "$p.log" 2>&1 || { cat "$p.log"; exit 1; }
      echo "load $(load)" >> "$p.meta"
    fi
  done
done
echo "finished $(date -u '+%Y-%m-%d %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/env.txt"
grep -h '^plan ' "$WORK"/*__ours__r1.log > /dev/null 2>&1 && for m in $models; do
  echo "$m: $(grep '^plan ' "$WORK/${m}__ours__r1.log" | sed 's/^plan //' | paste -sd ';' -)"; done > "$OUT/plans.txt"
if [ "$SUMMARY" = 0 ]; then
  echo "draws in $WORK; summarise later: Rscript $here/summarise.R $WORK <title>, then copy summary.md, summary.csv, runs.csv to $OUT"
  exit 0
fi
Rscript "$here/summarise.R" "$WORK" "Ours, JAGS and Stan side by side: 4 x ($W warm-up + $D draws), $K repeat(s)"
cp "$WORK/summary.md" "$WORK/summary.csv" "$WORK/runs.csv" "$OUT/"
echo "results in $OUT (draws and logs in $WORK)"
