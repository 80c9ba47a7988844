#!/usr/bin/env bash
# Before/after sweep time of the Normal push-down's group-level model (sigma sliced vs conjugate on the sums), run
# side by side: for each J, the before build then the after build, each in its own fsi process.
# Usage: BEFORE=dir AFTER=dir bench/aggnormal/run.sh "1e4:200 1e5:50 1e6:10"   (J:sweeps pairs)
# ROWS=1 also times the row model (10 rows per group) with the after build, for reference.
# Each dir holds HierFunctional.dll and MathNet.Numerics.dll; the script copies sweep.fsx next to them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for side in "$BEFORE" "$AFTER"; do cp "$here/sweep.fsx" "$side/"; done
uptime
for pair in ${1:-"1e4:200 1e5:50 1e6:10"}; do
  j=$(python3 -c "print(int(float('${pair%%:*}')))"); s=${pair##*:}
  for side in "$BEFORE" "$AFTER"; do
    echo -n "$(basename "$side") "; dotnet fsi --quiet "$side/sweep.fsx" "$j" "$s" sums
  done
  if [ -n "${ROWS:-}" ]; then echo -n "$(basename "$AFTER") "; dotnet fsi --quiet "$AFTER/sweep.fsx" "$j" "$s" rows; fi
  uptime
done
