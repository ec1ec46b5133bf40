#!/usr/bin/env bash
# fuzz/run.sh [--keep] [BUILD [SECONDS [NAME...]]]
#
# Runs every fuzz harness in BUILD (or only the NAMEs: mail, pdf, ...) for
# SECONDS, two at a time, each on a scratch copy of its seeds
# (fuzz/corpus/<name>/ plus the shared corpus files it names in
# fuzz/corpus/<name>.seeds).  A crash, or undefined behaviour (the fuzz
# build makes UBSan fatal), fails the run and leaves the reproducer in
# fuzz-artifacts/.
#
# --keep (make fuzz-long): what the run found is kept: the seeds and the
# new inputs are merged (libFuzzer's -merge=1, which keeps the smallest
# set with the same coverage) back into fuzz/corpus/<name>/, to be
# committed.  A crash's reproducer belongs there too, once fixed.
set -euo pipefail
keep=0
if [ "${1:-}" = --keep ]; then
	keep=1
	shift
fi
build=${1:-build-fuzz}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
only=" $* "
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../shared/corpus" 2>/dev/null && pwd || true)
artifacts=$PWD/fuzz-artifacts
mkdir -p "$artifacts"

# A job runs under an address-space limit (workers.memory, 1G by
# default): there one allocation larger than that fails, and the library's
# error becomes the item's reason (a decoder's window or table of the size
# a header names; a zip's LZMA dictionary the probe refuses before).  ASan
# refuses such an allocation the same way, so that it is the handled error
# it is in a job, not an out-of-memory of the fuzzer; the memory really
# used is still bounded by -rss_limit_mb.  Then the harness's own options.
asan_options() {
	local opts="allocator_may_return_null=1:max_allocation_size_mb=1024"
	[ -f "$here/corpus/$1.asan_options" ] && opts="$opts:$(cat "$here/corpus/$1.asan_options")"
	echo "$opts"
}

run_one() {
	local bin=$1 name work
	name=$(basename "$bin")
	name=${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/"
	if [ -n "$shared" ] && [ -f "$here/corpus/$name.seeds" ]; then
		while read -r rel; do
			[ -n "$rel" ] && [ -f "$shared/$rel" ] && cp "$shared/$rel" "$work/"
		done < "$here/corpus/$name.seeds"
	fi
	local dict=()
	[ -f "$here/dict/$name.dict" ] && dict=(-dict="$here/dict/$name.dict")
	# Leaks inside system libraries on damaged input are not ours to fix:
	# fuzz/lsan.supp names them.  Matching a frame inside a library built
	# without frame pointers needs full stacks, which cost speed, so only the
	# harnesses that need them ask for them in fuzz/corpus/<name>.asan_options.
	if ASAN_OPTIONS=$(asan_options "$name") LSAN_OPTIONS=suppressions="$here/lsan.supp" \
		"$bin" "$work" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 \
		-timeout=25 -max_len=1048576 -artifact_prefix="$artifacts/$name-" \
		-print_final_stats=1 >"$artifacts/$name.log" 2>&1; then
		echo "fuzz $name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$artifacts/$name.log" | grep -o '[0-9]*$') runs in ${seconds}s)"
		[ "$keep" = 1 ] && keep_corpus "$bin" "$name" "$work"
		rm -rf "$work"
	else
		echo "fuzz $name: FAILED"; tail -40 "$artifacts/$name.log"
		rm -rf "$work"
		return 1
	fi
}

# The seeds plus what the run found, minimised, become the harness's corpus.
keep_corpus() {
	local bin=$1 name=$2 work=$3 merged before
	merged=$(mktemp -d)
	mkdir -p "$here/corpus/$name"
	before=$(find "$here/corpus/$name" -type f | wc -l)
	ASAN_OPTIONS=$(asan_options "$name") LSAN_OPTIONS=suppressions="$here/lsan.supp" "$bin" -merge=1 -timeout=25 -rss_limit_mb=2048 \
		-max_len=1048576 "$merged" "$here/corpus/$name" "$work" >>"$artifacts/$name.log" 2>&1
	rm -rf "$here/corpus/$name"
	mv "$merged" "$here/corpus/$name"
	echo "fuzz $name: corpus $before -> $(find "$here/corpus/$name" -type f | wc -l) files"
}

export -f asan_options run_one keep_corpus
export here shared artifacts seconds keep
fuzzers=$(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort |
	while read -r f; do n=$(basename "$f"); n=${n#fuzz_}
		if [ "$only" = "  " ] || [[ $only == *" $n "* ]]; then echo "$f"; fi; done)
[ -n "$fuzzers" ] || { echo "no fuzz harnesses built"; exit 1; }
status=0
printf '%s\n' $fuzzers | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {} || status=1
exit $status
