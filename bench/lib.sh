# bench/lib.sh - sourced by every section: figures recorded for
# bench/out/results.json, and goals printed beside the figure they judge.
# Each call appends one tab-separated line to $BENCH_OUT/results.tsv;
# bench/run.sh turns the file into JSON at the end of the run.

# record KEY VALUE [UNIT]: a figure (rate, seconds, percentile, KiB...)
record() {
	printf 'figure\t%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$BENCH_OUT/results.tsv"
}

# goal KEY VALUE OP TARGET TEXT: a ratio of the goals, OP is >= or <=.
# Prints "goal TEXT: VALUE (goal OP TARGET) met|MISSED".
goal() {
	local key=$1 value=$2 op=$3 target=$4 text=$5 met
	met=$(awk -v v="$value" -v o="$op" -v t="$target" \
		'BEGIN{ if (v == "") print "no figure"; else if ((o == ">=" && v + 0 >= t + 0) || (o == "<=" && v + 0 <= t + 0)) print "met"; else print "MISSED" }')
	printf 'goal %-52s %8s  (goal %s %s)  %s\n' "$text:" "${value:--}" "$op" "$target" "$met"
	printf 'goal\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$value" "$op" "$target" "$met" "$text" \
		>>"$BENCH_OUT/results.tsv"
}

# fmt_ratio A B: A / B with two decimals, empty when B is 0 or missing
fmt_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN{ if (a != "" && b + 0 > 0) printf "%.2f", a / b }'
}
