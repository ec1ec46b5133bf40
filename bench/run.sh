#!/usr/bin/env bash
# `make bench`: every section in bench/sections/*.sh measures one part of
# mugai against what a user would use instead, in the same run, and prints
# ratios.  Results are also written to bench/out/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${1:-build}
export BENCH_OUT=$PWD/bench/out
mkdir -p "$BENCH_OUT"
: > "$BENCH_OUT/results.txt"
for section in bench/sections/*.sh; do
	[ -f "$section" ] || continue
	echo "=== $(basename "$section" .sh)"
	bash "$section" 2>&1 | tee -a "$BENCH_OUT/results.txt"
done
