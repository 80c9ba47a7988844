#!/bin/sh
# Paired, repeated Epil benchmark: for each repeat k = 1..K, ours with the count interweaving, ours without it, and
# JAGS 4.3 + glm, one after the other on one core (taskset -c ${CORE:-0}), each with seed k, 4 chains, 1,000 warm-up
# iterations then N draws per chain. Wall and processor time include warm-up; ours excludes JIT (a short untimed run
# first), JAGS's excludes compilation. Bulk-ESS by posterior::ess_bulk for both. One table row per run, with the
# 1-minute load average when it ended; ratios are formed pair by pair (bench/results/epil-interweave.md).
# Usage: bench/epil/repeat.sh <draws per chain> <repeats> [on off] (after dotnet build src/HierFunctional -c Release);
# CORE=c picks the core, FIRST=k the first seed.
set -e
cd "$(dirname "$0")"
N=${1:-1000}
K=${2:-5}
MODES=${3:-"on off"}
CORE=${CORE:-0}
FIRST=${FIRST:-1}
DLL=$(cd ../.. && pwd)/src/HierFunctional/bin/Release/net10.0/HierFunctional.dll
CSV=$(cd ../../tests/HierFunctional.Tests/fixtures/epil && pwd)/epil.csv
MODEL=$(cd ../../tests/HierFunctional.Tests/Gibbs && pwd)/EpilModel.fs
TMP=$(mktemp -d)
sed "s#DLLPATH#$DLL#; s#EPILMODEL#$MODEL#" epil.fsx > "$TMP/epil.fsx"
echo "| repeat | sampler | wall s | cpu s | min bulk-ESS node (ESS) | min ESS/s | min ESS/cpu-s | max R-hat | load |"
echo "|---|---|---|---|---|---|---|---|---|"
for k in $(seq "$FIRST" $((FIRST + K - 1))); do
  for iw in $MODES; do
    taskset -c "$CORE" dotnet fsi "$TMP/epil.fsx" 4 1000 "$N" "$k" on "$TMP/ours.csv" "$CSV" "$iw" > "$TMP/ours.out"
    printf "| %s " "$k"
    Rscript summarise.R "ours (interweaving $iw), 4 x $N" "$(awk '/^seconds/ {print $2}' "$TMP/ours.out")" \
      "$TMP/ours.csv" "$(awk '/^cpu/ {print $2}' "$TMP/ours.out")"
    echo " $(cut -d' ' -f1 /proc/loadavg) |"
  done
  taskset -c "$CORE" Rscript jags_epil.R 1000 "$N" "$k" "$TMP/jags.csv" > "$TMP/jags.out"
  printf "| %s " "$k"
  Rscript summarise.R "JAGS+glm, 4 x $N" "$(awk '/^seconds/ {print $2}' "$TMP/jags.out")" "$TMP/jags.csv" \
    "$(awk '/^cpu/ {print $2}' "$TMP/jags.out")"
  echo " $(cut -d' ' -f1 /proc/loadavg) |"
done
