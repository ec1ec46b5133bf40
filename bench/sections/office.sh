#!/usr/bin/env bash
# OOXML: mugai's cdr filter (every part parsed, disarmed and written into a
# new package) against what a user would script instead, a LibreOffice
# round trip `soffice --headless --convert-to docx|xlsx|pptx`, on the same
# files in the same run: the corpus docx/xlsx/pptx, then a generated docx
# of 20000 paragraphs.  Prints packages per second for both and the ratio.
# Needs $BUILD (bench_office built) and $BENCH_OUT; the corpus comes from
# $MUGAI_CORPUS or ../shared/corpus.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
corpus=${MUGAI_CORPUS:-$PWD/../shared/corpus}
bench=$BUILD/bench/bench_office
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=20

if [ ! -x "$bench" ]; then
	echo "office: $bench not built, skipped"
	exit 0
fi
have_ref=1
command -v soffice >/dev/null || have_ref=0

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN{printf "%.1f", n / s}'; }

files=()
for f in dde-test.docx harmless-clean.docx embedded-simple-2007.docx \
	sample_with_external_link_to_doc.docx dde-test.xlsx embedded-simple-2007.xlsx \
	sample_with_external_link_to_doc.xlsx embedded-simple-2007.pptx \
	sample_with_external_link_to_doc.pptx; do
	[ -f "$corpus/office/$f" ] && files+=("$corpus/office/$f")
done
"$bench" --generate 20000 "$work/generated-20000p.docx"

# mugai on one set of inputs: RUNS passes, packages per second
mugai_rate() {
	local line n s
	line=$("$bench" "$@")
	n=$(sed -n 's/.*packages=\([0-9]*\).*/\1/p' <<<"$line")
	s=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$line")
	echo "$n $s"
}

# LibreOffice: one soffice process per target format, as a script would
# call it, on copies of the same inputs; packages per second
soffice_rate() {
	local n=0 t0 t1 ext dir
	rm -rf "$work/in" "$work/out" && mkdir -p "$work/in" "$work/out"
	cp "$@" "$work/in/"
	t0=$(now)
	for ext in docx xlsx pptx; do
		set -- "$work"/in/*."$ext"
		[ -e "$1" ] || continue
		n=$((n + $#))
		timeout 600 soffice -env:UserInstallation="file://$work/profile" --headless \
			--convert-to "$ext" --outdir "$work/out" "$@" >/dev/null 2>&1 || true
	done
	t1=$(now)
	dir=$(ls "$work/out" | wc -l)
	[ "$dir" -eq "$n" ] || echo "office: soffice converted $dir of $n files" >&2
	echo "$n $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')"
}

report() { # label, mugai "n s", soffice "n s", key in results.json
	read -r mn ms <<<"$2"
	printf 'office %-26s mugai cdr:        %4d packages %7.3f s %8s packages/s\n' "$1" "$mn" "$ms" \
		"$(rate "$mn" "$ms")"
	record "office.${4}.mugai_per_s" "$(rate "$mn" "$ms")" packages/s
	[ "$have_ref" = 1 ] || { echo "office $1 soffice not installed: no reference"; return; }
	read -r rn rs <<<"$3"
	record "office.${4}.soffice_per_s" "$(awk -v n="$rn" -v s="$rs" 'BEGIN{printf "%.3f", n / s}')" packages/s
	printf 'office %-26s soffice round trip: %2d packages %7.3f s %8s packages/s\n' "$1" "$rn" "$rs" \
		"$(rate "$rn" "$rs")"
	# from the counts and times, not the rounded rates (a slow round trip is 0.0/s)
	awk -v l="$1" -v mn="$mn" -v ms="$ms" -v rn="$rn" -v rs="$rs" \
		'BEGIN{printf "office %-26s ratio: mugai is %.0fx faster\n", l, (mn / ms) / (rn / rs)}'
}

ref1="0 1"
ref2="0 1"
if [ "$have_ref" = 1 ]; then
	# a first run creates the LibreOffice profile: not timed
	soffice_rate "$corpus/office/harmless-clean.docx" >/dev/null
	ref1=$(soffice_rate "${files[@]}")
	ref2=$(soffice_rate "$work/generated-20000p.docx")
fi
report "corpus docx/xlsx/pptx" "$(mugai_rate "$runs" "${files[@]}")" "$ref1" corpus
report "generated 20000 paragraphs" "$(mugai_rate 3 "$work/generated-20000p.docx")" "$ref2" generated
