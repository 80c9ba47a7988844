#!/usr/bin/env bash
# Before/after of the group streams at J = 10^6, alternating runs. BEFORE_DLL: HierFunctional.dll built from the
# commit before (git archive 0f7311c | tar -x; dotnet build src/HierFunctional -c Release); AFTER_DLL: this branch's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
echo "run | model | partitions | wall ns/group/sweep (min) | wall (median) | CPU ns/group/sweep (min) | CPU (median)"
for round in 1 2; do
  sed "s|DLLPATH|$BEFORE_DLL|" "$here/group-streams-timer.fsx" > /tmp/gs-before.fsx
  sed "s|DLLPATH|$AFTER_DLL|" "$here/group-streams-timer.fsx" > /tmp/gs-after.fsx
  dotnet fsi --optimize+ /tmp/gs-before.fsx "before (xoshiro256**, round $round)"
  dotnet fsi --optimize+ --define:AFTER /tmp/gs-after.fsx "after (Philox group streams, round $round)"
done
