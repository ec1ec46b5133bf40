#!/usr/bin/env bash
# Sanitised Office documents still open in LibreOffice with their text.
# Each corpus document goes through `mugai sanitize` (cdr); the artefact
# must have the macro-free type and no macro, OLE, external or SVG part;
# then LibreOffice (a private profile, under a timeout) converts every
# artefact to PDF and pdftotext must show the document's known body text.
# Documents with an SVG picture (script, onload) beside its PNG fallback
# are made here (lib/make_svg_office.py): their PDF must show the PNG.
# Env: MUGAI_BUILD, MUGAI_SOURCE, MUGAI_CORPUS.  Prints "N passed, N failed".
set -uo pipefail
mugai=${MUGAI_BUILD:?}/gateway/mugai
corpus=${MUGAI_CORPUS:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# corpus file | artefact extension | body text LibreOffice must show
cases=(
	"office/harmless-clean.docx|docx|This is a harmless test document."
	"office/harmless-clean.docm|docx|It contains neither macros nor dde links"
	"office/oleform-PR314.docm|docx|This is a test document, with Forms in a macro"
	"office/dde-test.docx|docx|Hope this works."
	"office/dde-test.docm|docx|!Unerwartetes Ende des Ausdrucks"
	"office/embedded-simple-2007.docx|docx|This document contains an embedded file:"
	"office/sample_with_external_link_to_doc.docx|docx|"
	"office/dde-test.xlsx|xlsx|Long live open source!"
	"office/embedded-simple-2007.xlsx|xlsx|This spreadsheet contains an embedded object"
	"office/excel4_sample_macro.xlsm|xlsx|"
	"office/embedded-simple-2007.pptx|pptx|This slide contains an embedded object"
	"office/sample_with_external_link_to_doc.pptx|pptx|"
	"office/embedded-simple-2007.odt|odt|Have fun parsing it"
	# made here: an SVG picture (script, onload) beside its PNG fallback
	"gen/svg-picture.docx|docx|SVG picture test"
	"gen/svg-picture.xlsx|xlsx|SVG picture test"
	"gen/svg-picture.pptx|pptx|SVG picture test"
	"gen/svg-picture.odt|odt|SVG picture test"
)

for tool in soffice pdftotext pdfimages unzip python3; do
	command -v "$tool" >/dev/null || { bad "$tool is not installed"; echo "$pass passed, $fail failed"; exit 1; }
done
[ -x "$mugai" ] || { bad "$mugai not built"; echo "$pass passed, $fail failed"; exit 1; }

mkdir -p "$work/out" "$work/pdf" "$work/gen"
python3 "${MUGAI_SOURCE:?}/tests/integration/lib/make_svg_office.py" "$work/gen" "SVG picture test" ||
	bad "the SVG documents could not be made"

# The path of a case's input: made here, or from the corpus.
input_of() { case $1 in gen/*) echo "$work/$1" ;; *) echo "$corpus/$1" ;; esac; }

i=0
for c in "${cases[@]}"; do
	IFS='|' read -r rel ext text <<<"$c"
	i=$((i + 1))
	out=$work/out/case$i.$ext
	if ! "$mugai" sanitize --mode cdr --report "$work/report$i.json" "$(input_of "$rel")" "$out" \
		>"$work/log$i" 2>&1; then
		bad "$rel: not sanitised: $(tr '\n' ' ' <"$work/log$i")"
		rm -f "$out"
		continue
	fi
	names=$(unzip -Z1 "$out" 2>/dev/null) || { bad "$rel: artefact is not a zip"; rm -f "$out"; continue; }
	if grep -Eiq 'vbaProject|vbaData|activeX|embeddings/|macrosheets/|^Object|^Basic/' <<<"$names"; then
		bad "$rel: active part left: $(grep -Ei 'vba|activeX|embeddings|macrosheets|Object|Basic' <<<"$names" | head -1)"
		rm -f "$out"
		continue
	fi
	if unzip -p "$out" '*.rels' 2>/dev/null | grep -q 'TargetMode="External"'; then
		bad "$rel: external relationship left"
		rm -f "$out"
		continue
	fi
	if grep -Eiq '\.svgz?$' <<<"$names" || unzip -p "$out" 2>/dev/null | grep -Eaiq 'svgBlip|image/svg|<script|onload='; then
		bad "$rel: SVG left: $(grep -Ei 'svg' <<<"$names" | head -1)"
		rm -f "$out"
		continue
	fi
	ok "$rel -> $ext: no active part"
done

# One LibreOffice process converts every artefact, as a script would.
timeout 300 soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf \
	--outdir "$work/pdf" "$work"/out/* >"$work/soffice.log" 2>&1 ||
	echo "soffice: $(tail -1 "$work/soffice.log")"

i=0
for c in "${cases[@]}"; do
	IFS='|' read -r rel ext text <<<"$c"
	i=$((i + 1))
	[ -f "$work/out/case$i.$ext" ] || continue
	pdf=$work/pdf/case$i.pdf
	if [ ! -s "$pdf" ]; then
		bad "$rel: LibreOffice could not open the sanitised $ext"
	elif [ -n "$text" ] && ! pdftotext "$pdf" - 2>/dev/null | tr -s ' \n' ' ' | grep -qF -- "$text"; then
		bad "$rel: text '$text' lost: $(pdftotext "$pdf" - 2>/dev/null | tr -s ' \n' ' ' | head -c 200)"
	elif [[ $rel == gen/* ]] && [ "$(pdfimages -list "$pdf" 2>/dev/null | tail -n +3 | wc -l)" -eq 0 ]; then
		bad "$rel: the PNG fallback of the SVG picture is not shown"
	else
		ok "$rel: opens in LibreOffice${text:+, shows '$text'}"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
