#!/usr/bin/env bash
# Runs every fuzz harness in BUILD for SECONDS, two at a time, each on a
# scratch copy of its seeds (fuzz/corpus/<name>/ plus the shared corpus
# files it names in fuzz/corpus/<name>.seeds).  A crash fails the run and
# leaves the reproducer in fuzz-artifacts/.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../shared/corpus" 2>/dev/null && pwd || true)
artifacts=$PWD/fuzz-artifacts
mkdir -p "$artifacts"

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
	local asan_options=""
	[ -f "$here/corpus/$name.asan_options" ] && asan_options=$(cat "$here/corpus/$name.asan_options")
	if ASAN_OPTIONS=$asan_options LSAN_OPTIONS=suppressions="$here/lsan.supp" \
		"$bin" "$work" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 \
		-timeout=25 -max_len=1048576 -artifact_prefix="$artifacts/$name-" \
		-print_final_stats=1 >"$artifacts/$name.log" 2>&1; then
		echo "fuzz $name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$artifacts/$name.log" | grep -o '[0-9]*$') runs in ${seconds}s)"
		rm -rf "$work"
	else
		echo "fuzz $name: FAILED"; tail -40 "$artifacts/$name.log"
		rm -rf "$work"
		return 1
	fi
}

export -f run_one
export here shared artifacts seconds
fuzzers=$(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
[ -n "$fuzzers" ] || { echo "no fuzz harnesses built"; exit 1; }
status=0
printf '%s\n' $fuzzers | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {} || status=1
exit $status
