#!/bin/sh
# Paired, repeated Epil benchmark: for each repeat k = 1..K, ours with the count interweaving, ours without it, and
# JAGS 4.3 + glm, one after the other on one core (taskset -c ${CORE:-0}), each with seed k, 4 chains, 1,000 warm-up
# iterations then N draws per chain. Wall time includes warm-up; ours excludes JIT (a short untimed run first),
# JAGS's excludes compilation. Bulk-ESS by posterior::ess_bulk for both. Prints one table row per run; the ratios
# per pair are formed from these rows (bench/results/epil-interweave.md).
# Usage: bench/epil/repeat.sh <draws per chain> <repeats> (after dotnet build src/HierFunctional -c Release)
set -e
cd "$(dirname "$0")"
N=${1:-1000}
K=${2:-5}
CORE=${CORE:-0}
DLL=$(cd ../.. && pwd)/src/HierFunctional/bin/Release/net10.0/HierFunctional.dll
CSV=$(cd ../../tests/HierFunctional.Tests/fixtures/epil && pwd)/epil.csv
TMP=$(mktemp -d)
sed "s#DLLPATH#$DLL#" epil.fsx > "$TMP/epil.fsx"
echo "| repeat | sampler | seconds | min bulk-ESS node (ESS) | min ESS/s | max R-hat | load |"
echo "|---|---|---|---|---|---|---|"
for k in $(seq 1 "$K"); do
  for iw in on off; do
    s=$(taskset -c "$CORE" dotnet fsi "$TMP/epil.fsx" 4 1000 "$N" "$k" on "$TMP/ours.csv" "$CSV" "$iw" | awk '/^seconds/ {print $2}')
    printf "| %s " "$k"
    Rscript summarise.R "ours (interweaving $iw), 4 x $N" "$s" "$TMP/ours.csv" | sed "s/ |\$/ | $(cut -d' ' -f1 /proc/loadavg) |/"
  done
  s=$(taskset -c "$CORE" Rscript jags_epil.R 1000 "$N" "$k" "$TMP/jags.csv" | awk '/^seconds/ {print $2}')
  printf "| %s " "$k"
  Rscript summarise.R "JAGS+glm, 4 x $N" "$s" "$TMP/jags.csv" | sed "s/ |\$/ | $(cut -d' ' -f1 /proc/loadavg) |/"
done
