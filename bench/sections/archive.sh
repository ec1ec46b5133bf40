#!/usr/bin/env bash
# Archives: mugai's recurse filter (every member unpacked with the limits,
# decoded, normalised and formula-defanged by the text family, names made
# safe, packed again as a zip) against what a user would script instead,
# `unzip -o` into a temporary folder and `zip -r` again, on the same
# generated zip of text and CSV members in the same run.  Prints MB/s of
# member content for both, the ratio, and the goal: at least half the
# speed of unzip + zip.  Needs $BUILD (bench_archive
# built) and $BENCH_OUT.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
bench=$BUILD/bench/bench_archive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$bench" ]; then
	echo "archive: $bench not built, skipped"
	exit 0
fi
have_ref=1
command -v unzip >/dev/null && command -v zip >/dev/null || have_ref=0

now() { date +%s.%N; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN{printf "%.1f", b / 1048576 / s}'; }

for n in 200 800; do
	in=$work/members-$n.zip
	"$bench" --generate "$n" "$in"
	line=$("$bench" "$in" "$work/mugai.zip")
	members=$(sed -n 's/.*members=\([0-9]*\).*/\1/p' <<<"$line")
	content=$(sed -n 's/.*content_bytes=\([0-9]*\).*/\1/p' <<<"$line")
	m_s=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$line")
	m_bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$line")
	printf 'archive %4d members %6.1f MB  mugai recurse:  %6.3f s %7s MB/s %10d bytes\n' \
		"$members" "$(awk -v b="$content" 'BEGIN{print b/1048576}')" "$m_s" \
		"$(mbps "$content" "$m_s")" "$m_bytes"
	if [ "$have_ref" = 0 ]; then
		echo "archive unzip/zip not installed: no reference"
		continue
	fi
	best=
	for run in 1 2 3; do
		rm -rf "$work/x" "$work/ref.zip" && mkdir "$work/x"
		t0=$(now)
		unzip -o -q "$in" -d "$work/x"
		(cd "$work/x" && zip -q -r "$work/ref.zip" .)
		t1=$(now)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN{t = b - a; if (best == "" || t < best) best = t; printf "%.3f", best}')
	done
	r_bytes=$(stat -c %s "$work/ref.zip")
	printf 'archive %4d members %6.1f MB  unzip -o + zip -r: %6.3f s %7s MB/s %10d bytes\n' \
		"$members" "$(awk -v b="$content" 'BEGIN{print b/1048576}')" "$best" \
		"$(mbps "$content" "$best")" "$r_bytes"
	awk -v n="$members" -v ms="$m_s" -v rs="$best" -v mb="$m_bytes" -v rb="$r_bytes" 'BEGIN{
		printf "archive %4d members ratio: mugai takes %.2fx the time of unzip+zip, output %.2fx the size\n",
		n, ms / rs, mb / rb }'
	record "archive.$n.mugai_seconds" "$m_s" s
	record "archive.$n.unzip_zip_seconds" "$best" s
	goal "archive.$n.speed_over_unzip_zip" "$(fmt_ratio "$best" "$m_s")" ">=" 0.5 \
		"archive $n members speed / unzip + zip -r"
done
