#!/bin/sh
# The push-down benchmark: per-group sums from Parquet through DuckDB, sweep time and peak resident memory
# (/usr/bin/time -v), and the aggregate fit against the row fit on a 10^6-row sample.
# Usage: bench/pushdown/run.sh DIR SCALE...  (DIR holds r1e8.parquet / r1e9.parquet from generate.fsx)
set -e
dir=$1; shift
cd "$(dirname "$0")/../.."
dotnet build bench/pushdown -c Release --nologo -v q
exe=bench/pushdown/bin/Release/net10.0/Pushdown
run() { /usr/bin/time -f "peak_rss_MB=%M wall_s=%e" "$exe" "$@" 2>&1 | sed 's/peak_rss_MB=\([0-9]*\)/peak_rss_kB=\1/'; }
for scale in "$@"; do
  # 1e9: the 1e8 file read ten times (generating a distinct 17 GB file takes over an hour on the shared machine)
  if [ "$scale" = "1e9" ]; then f="$dir/r1e8.parquet*10"; else f="$dir/r$scale.parquet"; fi
  if [ "$scale" = "sample" ]; then
    for fam in normal poisson; do run "$dir/r1e8.parquet" $fam g6 compare "g6 < 10000"; done
    continue
  fi
  for key in g6 g7; do for fam in normal poisson; do
    echo "file=$f"; run "$f" $fam $key sums
  done; done
done
