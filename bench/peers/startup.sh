#!/usr/bin/env bash
# Time to first result for BDA3's rat tumours at the default length (4 x (1,000 + 1,000)), each a cold process on
# one core (taskset -c $CORE): `hier fit --example rats` from a plain Release publish and from a ReadyToRun publish,
# JAGS (load + compile + sample) and Stan (load the compiled program + sample; its one-off C++ compile time is
# read from the cache). Repeated R times, alternating. Usage: bench/peers/startup.sh [R] (writes a Markdown table
# to stdout: wall s / processor s, from /usr/bin/time). HIER_ENV="DOTNET_TieredPGO=1 ..." runs both hier builds
# under those runtime settings (environment variables override hier.runtimeconfig.json), e.g. to measure without
# the CLI's own settings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
R=${1:-3}; CORE=${CORE:-0}; CACHE=${STAN_CACHE:-$here/.cache}
PLAIN=${PLAIN:-/tmp/hier-plain}; R2R=${R2R:-/tmp/hier-r2r}
if [ ! -x "$PLAIN/hier" ]; then dotnet publish "$root/src/HierFunctional.Cli" -c Release -o "$PLAIN" --nologo -v q; fi
if [ ! -x "$R2R/hier" ]; then
  dotnet publish "$root/src/HierFunctional.Cli" -c Release -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$R2R" --nologo -v q
fi
[ -f "$CACHE/betabin.rds" ] || Rscript "$here/compile_stan.R" "$CACHE" "$here/models/betabin.stan"
# wall / processor seconds of one cold process (processor: user + system, children included)
t() {
  /usr/bin/time -f '%e %U %S' -o /tmp/startup-time.$$ taskset -c "$CORE" "$@" > /dev/null 2>&1
  awk '{ printf "%.2f / %.2f", $1, $2 + $3 }' /tmp/startup-time.$$
}
echo "| run | hier (Release) s | hier (ReadyToRun) s | JAGS load + sample s | Stan load + sample s | load average |"
echo "|---|---|---|---|---|---|"
for i in $(seq 1 "$R"); do
  a=$(t env ${HIER_ENV:-} "$PLAIN/hier" fit --example rats --threads 1 --seed "$i")
  b=$(t env ${HIER_ENV:-} "$R2R/hier" fit --example rats --threads 1 --seed "$i")
  c=$(t Rscript "$here/startup.R" JAGS "$CACHE")
  d=$(t Rscript "$here/startup.R" Stan "$CACHE")
  echo "| $i | $a | $b | $c | $d | $(cut -d' ' -f1 /proc/loadavg) |"
done
rm -f /tmp/startup-time.$$
echo
echo "Stan's one-off C++ compile of the program: $(tail -1 "$CACHE/compile_betabin.csv" | cut -d, -f2) s (compile_stan.R, under the load of its run)."
