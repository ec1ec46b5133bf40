#!/usr/bin/env bash
# PDF flattening: mugai (render every page at 150 dpi, write a PDF of page
# images with the original's text as an invisible layer, and without it)
# against what a user would script instead, `pdftoppm -r 150 -png` then
# `img2pdf`, on the same inputs in the same run, in three turns (mugai,
# then the reference) of which the best of each counts, as in the mail
# and archive sections; then a scan with OCR
# against `pdftoppm` + tesseract's own PDF output.  Prints pages per second,
# the output sizes and the ratios.  Goals: keep the lead of about ten times
# with the text layer; output no larger than pdftoppm + img2pdf's, and for
# tracemonkey.pdf (a real paper, text and figures) no larger than twice the
# input.  Then the sizes over every corpus PDF.  Needs $BUILD (bench_pdf
# built) and $BENCH_OUT; the corpus comes from $MUGAI_CORPUS or
# ../shared/corpus.
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

pages_per_s() { awk -v p="$1" -v s="$2" 'BEGIN{printf "%.2f", p/s}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# reference IN OUT: pdftoppm + img2pdf at 150 dpi, prints the seconds
reference() {
	local t0 t1
	rm -rf "$work/ppm" && mkdir "$work/ppm"
	t0=$(now)
	pdftoppm -r 150 -png "$1" "$work/ppm/p"
	img2pdf "$work"/ppm/p*.png -o "$2"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}'
}

# the lower of two times, the first possibly unset
lower() { awk -v a="$1" -v b="$2" 'BEGIN{ print (a == "" || b + 0 < a + 0) ? b : a }'; }

for in in "${inputs[@]}"; do
	name=$(basename "$in")
	key=${name%.pdf}
	in_bytes=$(stat -c %s "$in")
	m_s= r_s=
	for turn in 1 2 3; do
		line=$("$bench" "$in" "$work/mugai.pdf")
		m_s=$(lower "$m_s" "$(field seconds "$line")")
		[ "$have_ref" = 0 ] || r_s=$(lower "$r_s" "$(reference "$in" "$work/ref.pdf")")
	done
	pages=$(field pages "$line")
	m_bytes=$(stat -c %s "$work/mugai.pdf")
	line=$("$bench" "$in" "$work/mugai-notext.pdf" pdf_text_layer=no)
	n_s=$(field seconds "$line")
	n_bytes=$(stat -c %s "$work/mugai-notext.pdf")
	printf 'pdf %-22s input:                                               %10d bytes\n' "$name" "$in_bytes"
	printf 'pdf %-22s mugai, text layer:  %3d pages %7.2f s %7.1f pages/s %10d bytes\n' \
		"$name" "$pages" "$m_s" "$(pages_per_s "$pages" "$m_s")" "$m_bytes"
	printf 'pdf %-22s mugai, images only: %3d pages %7.2f s %7.1f pages/s %10d bytes\n' \
		"$name" "$pages" "$n_s" "$(pages_per_s "$pages" "$n_s")" "$n_bytes"
	record "pdf.$key.mugai_pages_per_s" "$(pages_per_s "$pages" "$m_s")" pages/s
	record "pdf.$key.mugai_images_only_pages_per_s" "$(pages_per_s "$pages" "$n_s")" pages/s
	record "pdf.$key.mugai_bytes" "$m_bytes" bytes
	record "pdf.$key.input_bytes" "$in_bytes" bytes
	if [ "$key" = tracemonkey ]; then
		goal "pdf.$key.size_over_input" "$(fmt_ratio "$m_bytes" "$in_bytes")" "<=" 2 \
			"PDF flatten $key output / input"
	fi
	if [ "$have_ref" = 0 ]; then
		echo "pdf $name pdftoppm/img2pdf not installed: no reference"
		continue
	fi
	r_bytes=$(stat -c %s "$work/ref.pdf")
	printf 'pdf %-22s pdftoppm+img2pdf:   %3d pages %7.2f s %7.1f pages/s %10d bytes\n' \
		"$name" "$pages" "$r_s" "$(pages_per_s "$pages" "$r_s")" "$r_bytes"
	awk -v n="$name" -v ms="$m_s" -v rs="$r_s" -v mb="$m_bytes" -v rb="$r_bytes" -v ib="$in_bytes" 'BEGIN{
		printf "pdf %-22s ratio: mugai is %.1fx faster, output %.2fx the size (%.2fx the input)\n", n, rs/ms, mb/rb, mb/ib }'
	record "pdf.$key.pdftoppm_img2pdf_pages_per_s" "$(pages_per_s "$pages" "$r_s")" pages/s
	record "pdf.$key.pdftoppm_img2pdf_bytes" "$r_bytes" bytes
	goal "pdf.$key.speed_over_pdftoppm_img2pdf" "$(fmt_ratio "$r_s" "$m_s")" ">=" 10 \
		"PDF flatten $key / pdftoppm + img2pdf"
	goal "pdf.$key.size_over_pdftoppm_img2pdf" "$(fmt_ratio "$m_bytes" "$r_bytes")" "<=" 1 \
		"PDF flatten $key size / pdftoppm + img2pdf"
done

# OCR: a scan made here (the generated document's first pages rendered at
# 150 dpi in grey and packed by img2pdf: pictures, no text) flattened by
# mugai with Tesseract's words as the text layer (policy ocr = auto, one
# Tesseract thread in the worker), against the pipeline a user would
# script: `pdftoppm -r 150` then tesseract's own PDF output
# (`tesseract LIST out -l jpn+eng pdf`, LIST naming every page image, as
# `pdftoppm | tesseract - out` does for one page).  Pages per second,
# sizes, whether the output is searchable (pdftotext finds the words).
ocr_section() {
	local scan="$work/scanned.pdf" pages=${BENCH_OCR_PAGES:-8} line m_s m_bytes r_s r_bytes t0 t1
	rm -rf "$work/scan" && mkdir "$work/scan"
	pdftoppm -r 150 -gray -png -f 1 -l "$pages" "$work/generated-40p.pdf" "$work/scan/p"
	img2pdf "$work"/scan/p*.png -o "$scan"
	line=$("$bench" "$scan" "$work/mugai-ocr.pdf" ocr=auto ocr_languages=jpn+eng)
	m_s=$(field seconds "$line")
	m_bytes=$(stat -c %s "$work/mugai-ocr.pdf")
	rm -rf "$work/ocr" && mkdir "$work/ocr"
	t0=$(now)
	pdftoppm -r 150 -png "$scan" "$work/ocr/p"
	ls "$work"/ocr/p*.png >"$work/ocr/list"
	tesseract "$work/ocr/list" "$work/ocr/out" -l jpn+eng pdf >/dev/null 2>&1
	t1=$(now)
	r_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
	r_bytes=$(stat -c %s "$work/ocr/out.pdf")
	printf 'pdf %-22s input (a scan):                                      %10d bytes\n' \
		scanned-${pages}p.pdf "$(stat -c %s "$scan")"
	printf 'pdf %-22s mugai, OCR layer:   %3d pages %7.2f s %7.2f pages/s %10d bytes  searchable: %s\n' \
		scanned-${pages}p.pdf "$pages" "$m_s" "$(pages_per_s "$pages" "$m_s")" "$m_bytes" \
		"$(searchable "$work/mugai-ocr.pdf")"
	printf 'pdf %-22s pdftoppm+tesseract: %3d pages %7.2f s %7.2f pages/s %10d bytes  searchable: %s\n' \
		scanned-${pages}p.pdf "$pages" "$r_s" "$(pages_per_s "$pages" "$r_s")" "$r_bytes" \
		"$(searchable "$work/ocr/out.pdf")"
	awk -v ms="$m_s" -v rs="$r_s" -v mb="$m_bytes" -v rb="$r_bytes" 'BEGIN{
		printf "pdf %-22s ratio: mugai is %.2fx as fast, output %.2fx the size\n", "scanned (OCR)", rs/ms, mb/rb }'
	record "pdf.ocr.mugai_pages_per_s" "$(pages_per_s "$pages" "$m_s")" pages/s
	record "pdf.ocr.mugai_bytes" "$m_bytes" bytes
	record "pdf.ocr.pdftoppm_tesseract_pages_per_s" "$(pages_per_s "$pages" "$r_s")" pages/s
	record "pdf.ocr.pdftoppm_tesseract_bytes" "$r_bytes" bytes
	goal "pdf.ocr.speed_over_pdftoppm_tesseract" "$(fmt_ratio "$r_s" "$m_s")" ">=" 1 \
		"PDF flatten with OCR / pdftoppm + tesseract pdf"
	goal "pdf.ocr.size_over_pdftoppm_tesseract" "$(fmt_ratio "$m_bytes" "$r_bytes")" "<=" 1 \
		"PDF flatten with OCR size / pdftoppm + tesseract pdf"
}

# Whether a PDF's text layer has the generated words (the text read whole
# first: grep -q leaving early would fail the pipe under pipefail).
searchable() {
	local text
	text=$(pdftotext "$1" - 2>/dev/null || true)
	grep -qi "quick brown" <<<"$text" && echo yes || echo no
}

if [ "$have_ref" = 1 ] && command -v tesseract >/dev/null &&
	tesseract --list-langs 2>/dev/null | grep -qx jpn; then
	ocr_section
else
	echo "pdf OCR: pdftoppm, img2pdf or tesseract (with jpn) not installed: no OCR reference"
fi

# Every corpus PDF: the output against the input and against pdftoppm +
# img2pdf.  Small vector PDFs grow whatever is done (a page of pixels is
# larger than a page of drawing commands), so the goal is the reference's
# size; the largest ratio is the one that counts.
[ "$have_ref" = 1 ] || exit 0
worst=
for in in "$corpus"/pdf/*.pdf; do
	name=$(basename "$in")
	"$bench" "$in" "$work/mugai.pdf" >/dev/null 2>&1 || { echo "pdf corpus $name: not flattened"; continue; }
	reference "$in" "$work/ref.pdf" >/dev/null 2>&1 || continue
	in_bytes=$(stat -c %s "$in")
	m_bytes=$(stat -c %s "$work/mugai.pdf")
	r_bytes=$(stat -c %s "$work/ref.pdf")
	ratio=$(fmt_ratio "$m_bytes" "$r_bytes")
	printf 'pdf corpus %-30s input %8d  mugai %8d  pdftoppm+img2pdf %8d  mugai/ref %s\n' \
		"$name" "$in_bytes" "$m_bytes" "$r_bytes" "$ratio"
	worst=$(awk -v a="$worst" -v b="$ratio" 'BEGIN{ print (a == "" || b + 0 > a + 0) ? b : a }')
done
goal "pdf.corpus.worst_size_over_pdftoppm_img2pdf" "$worst" "<=" 1 \
	"PDF flatten, corpus: largest size / pdftoppm + img2pdf"
