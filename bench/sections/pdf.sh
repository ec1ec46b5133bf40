#!/usr/bin/env bash
# PDF flattening: mugai (render every page at 150 dpi, write an image-only
# PDF) against what a user would script instead, `pdftoppm -r 150 -png`
# then `img2pdf`, on the same inputs in the same run.  Prints pages per
# second, the output sizes and the ratios; the goal is to keep the lead of
# about ten times.  Needs $BUILD (bench_pdf built)
# and $BENCH_OUT; the corpus comes from $MUGAI_CORPUS or ../shared/corpus.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
corpus=${MUGAI_CORPUS:-$PWD/../shared/corpus}
bench=$BUILD/bench/bench_pdf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$bench" ]; then
	echo "pdf: $bench not built, skipped"
	exit 0
fi
have_ref=1
command -v pdftoppm >/dev/null && command -v img2pdf >/dev/null || have_ref=0

inputs=()
[ -f "$corpus/pdf/tracemonkey.pdf" ] && inputs+=("$corpus/pdf/tracemonkey.pdf")
"$bench" --generate 40 "$work/generated-40p.pdf"
inputs+=("$work/generated-40p.pdf")

now() { date +%s.%N; }

for in in "${inputs[@]}"; do
	name=$(basename "$in")
	line=$("$bench" "$in" "$work/mugai.pdf")
	pages=$(sed -n 's/.*pages=\([0-9]*\).*/\1/p' <<<"$line")
	m_s=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$line")
	m_bytes=$(stat -c %s "$work/mugai.pdf")
	printf 'pdf %-22s mugai flatten:     %3d pages %7.2f s %7.1f pages/s %10d bytes\n' \
		"$name" "$pages" "$m_s" "$(awk -v p="$pages" -v s="$m_s" 'BEGIN{print p/s}')" "$m_bytes"
	if [ "$have_ref" = 0 ]; then
		echo "pdf $name pdftoppm/img2pdf not installed: no reference"
		continue
	fi
	rm -rf "$work/ppm" && mkdir "$work/ppm"
	t0=$(now)
	pdftoppm -r 150 -png "$in" "$work/ppm/p"
	img2pdf "$work"/ppm/p*.png -o "$work/ref.pdf"
	t1=$(now)
	r_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
	r_bytes=$(stat -c %s "$work/ref.pdf")
	printf 'pdf %-22s pdftoppm+img2pdf:  %3d pages %7.2f s %7.1f pages/s %10d bytes\n' \
		"$name" "$pages" "$r_s" "$(awk -v p="$pages" -v s="$r_s" 'BEGIN{print p/s}')" "$r_bytes"
	awk -v n="$name" -v ms="$m_s" -v rs="$r_s" -v mb="$m_bytes" -v rb="$r_bytes" 'BEGIN{
		printf "pdf %-22s ratio: mugai is %.1fx faster, output %.2fx the size\n", n, rs/ms, mb/rb }'
	key=${name%.pdf}
	record "pdf.$key.mugai_pages_per_s" "$(awk -v p="$pages" -v s="$m_s" 'BEGIN{printf "%.2f", p/s}')" pages/s
	record "pdf.$key.pdftoppm_img2pdf_pages_per_s" \
		"$(awk -v p="$pages" -v s="$r_s" 'BEGIN{printf "%.2f", p/s}')" pages/s
	goal "pdf.$key.speed_over_pdftoppm_img2pdf" "$(fmt_ratio "$r_s" "$m_s")" ">=" 10 \
		"PDF flatten $key / pdftoppm + img2pdf"
done
