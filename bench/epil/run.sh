#!/bin/sh
# Epil side by side on one core (taskset -c ${CORE:-0}): ours (GLM block + centring) and JAGS 4.3 + glm, same inits,
# 4 chains, 1,000 warm-up, then 1,000 and 20,000 draws per chain. Wall time includes warm-up; ours excludes JIT
# (a short untimed run first), JAGS's excludes compilation. ESS by posterior::ess_bulk for both.
# Usage: bench/epil/run.sh (after dotnet build src/HierFunctional -c Release)
set -e
cd "$(dirname "$0")"
CORE=${CORE:-0}
DLL=$(cd ../.. && pwd)/src/HierFunctional/bin/Release/net10.0/HierFunctional.dll
CSV=$(cd ../../tests/HierFunctional.Tests/fixtures/epil && pwd)/epil.csv
MODEL=$(cd ../../tests/HierFunctional.Tests/Gibbs && pwd)/EpilModel.fs
TMP=$(mktemp -d)
sed "s#DLLPATH#$DLL#; s#EPILMODEL#$MODEL#" epil.fsx > "$TMP/epil.fsx"
echo "| sampler, draws | seconds | min bulk-ESS node (ESS) | min ESS/s | max R-hat |"
echo "|---|---|---|---|---|"
for n in 1000 20000; do
  s=$(taskset -c "$CORE" dotnet fsi "$TMP/epil.fsx" 4 1000 $n 1 on "$TMP/ours$n.csv" "$CSV" | awk '/^seconds/ {print $2}')
  Rscript summarise.R "ours, 4 x $n" "$s" "$TMP/ours$n.csv"
  s=$(taskset -c "$CORE" Rscript jags_epil.R 1000 $n 1 "$TMP/jags$n.csv" | awk '/^seconds/ {print $2}')
  Rscript summarise.R "JAGS+glm, 4 x $n" "$s" "$TMP/jags$n.csv"
done
