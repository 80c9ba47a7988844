#!/usr/bin/env bash
# Before/after: builds the benchmark against a baseline commit of the library (in a temporary copy) and runs the
# `sweeps` profile of the baseline and of the working tree alternately, twice each, so both see the same load.
# Usage: bash bench/compare.sh <baseline-commit> [--quick]
set -euo pipefail
base_commit=${1:?baseline commit}; shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
base=$(mktemp -d /tmp/hierfunctional-base.XXXX)
git -C "$root" archive "$base_commit" | tar -x -C "$base"
mkdir -p "$base/bench"
cp -r "$root/bench/HierFunctional.Bench" "$base/bench/"
rm -rf "$base/bench/HierFunctional.Bench/bin" "$base/bench/HierFunctional.Bench/obj"
dotnet build -c Release "$base/bench/HierFunctional.Bench" -v quiet --nologo
dotnet build -c Release "$root/bench/HierFunctional.Bench" -v quiet --nologo
for round in 1 2; do
  (cd "$base" && dotnet run -c Release --no-build --project bench/HierFunctional.Bench -- sweeps "$@" --label "before-$round")
  (cd "$root" && dotnet run -c Release --no-build --project bench/HierFunctional.Bench -- sweeps "$@" --label "after-$round")
done
