#!/usr/bin/env bash
# `make bench`: every section in bench/sections/*.sh measures one part of
# mugai against what a user would use instead, in the same run, prints the
# figures and each ratio of the goals beside its goal (bench/lib.sh).
# Output goes to bench/out/results.txt; the figures and goals to
# bench/out/results.json, for comparing a later run.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${1:-build}
export BENCH_OUT=$PWD/bench/out
mkdir -p "$BENCH_OUT"
: > "$BENCH_OUT/results.txt"
: > "$BENCH_OUT/results.tsv"
for section in bench/sections/*.sh; do
	[ -f "$section" ] || continue
	echo "=== $(basename "$section" .sh)"
	bash "$section" 2>&1 | tee -a "$BENCH_OUT/results.txt"
done
echo "=== goals" | tee -a "$BENCH_OUT/results.txt"
goals=$(grep '^goal ' "$BENCH_OUT/results.txt" || true)
echo "$goals" | tee -a "$BENCH_OUT/results.txt"
/usr/bin/python3 bench/results_json.py "$BENCH_OUT/results.tsv" "$BENCH_OUT/results.json" |
	tee -a "$BENCH_OUT/results.txt"
