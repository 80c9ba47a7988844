#!/bin/sh
# The push-down benchmark: per-group sums from Parquet through DuckDB, sweep time and peak resident memory
# (/usr/bin/time -v; the program also prints each phase's peak RSS and live managed heap to stderr), and the
# aggregate fit against the row fit on a 10^6-row sample.
# Usage: bench/pushdown/run.sh DIR SCALE...  (DIR holds r1e8.parquet from generate.fsx, or for SCALE 1e9parts the
# ten files DIR/r1e9/part-*.parquet from generate.fsx ... parts: a distinct 10^9-row input ordered by group range)
# J = 10^6 (g6) takes DuckDB's GROUP BY ("sums"); J = 10^7 (g7) streams the columns through .NET ("stream"):
# DuckDB's per-thread hash aggregate spills about as much as it reads when 10^7 groups interleave.
# The managed heap is capped (DOTNET_GCHeapHardLimit, default 8 GB) so a run cannot take the shared machine's memory.
set -e
dir=$1; shift
cd "$(dirname "$0")/../.."
dotnet build bench/pushdown -c Release --nologo -v q
exe=bench/pushdown/bin/Release/net10.0/Pushdown
export DOTNET_GCHeapHardLimit=${HEAP:-0x200000000}
run() { /usr/bin/time -f "peak_rss_kB=%M wall_s=%e cpu_s=%U+%S" "$exe" "$@" 2>&1; }
for scale in "$@"; do
  # 1e9: the 1e8 file read ten times (generating a distinct 15 GB file takes about two hours on the shared machine)
  if [ "$scale" = "1e9" ]; then f="$dir/r1e8.parquet*10"; else f="$dir/r$scale.parquet"; fi
  if [ "$scale" = "1e9parts" ]; then
    for fam in poisson normal; do echo "file=$dir/r1e9/part-?.parquet"; run "$dir/r1e9/part-?.parquet" $fam g7 stream; done
    continue
  fi
  if [ "$scale" = "sample" ]; then
    for fam in normal poisson; do run "$dir/r1e8.parquet" $fam g6 compare "g6 < 10000"; done
    continue
  fi
  if [ "$scale" != "1e9" ]; then for fam in normal poisson; do echo "file=$f"; run "$f" $fam g6 sums; done; fi
  for fam in poisson normal; do echo "file=$f"; run "$f" $fam g7 stream; done
done
