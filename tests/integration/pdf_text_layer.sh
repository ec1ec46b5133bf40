#!/usr/bin/env bash
# Flattened PDFs stay searchable.  A Japanese document is made here the way
# an office makes one (LibreOffice from a UTF-8 text, IPA Gothic), the
# corpus paper tracemonkey.pdf beside it; each goes through
# `mugai sanitize --mode flatten` and then:
#   - pdftotext finds at least 95 % of the original's words (Japanese: its
#     characters) in the same order, page by page;
#   - qpdf --check accepts the file;
#   - no active name and no font program anywhere in the expanded file,
#     and every text object in every page's content is in render mode 3;
#   - with -o policy.pdf_text_layer=no the copy has no text at all.
# Env: MUGAI_BUILD, MUGAI_CORPUS.  Prints "N passed, N failed".
set -uo pipefail
mugai=${MUGAI_BUILD:?}/gateway/mugai
corpus=${MUGAI_CORPUS:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

for tool in soffice pdftotext qpdf python3; do
	command -v "$tool" >/dev/null || { bad "$tool is not installed"; echo "$pass passed, $fail failed"; exit 1; }
done
[ -x "$mugai" ] || { bad "$mugai not built"; echo "$pass passed, $fail failed"; exit 1; }

cat >"$work/tsuchi.txt" <<'EOF'
令和8年12月4日
総務課長　様
情報政策課

メール添付ファイルの無害化について（通知）

LGWAN接続系へ取り込むファイルは、無害化したうえで受け取ります。
無害化したPDFは画像になりますが、元の文字を透明な層として残すため、
検索、コピー、読み上げができます。
住民票の写し、課税証明書、戸籍謄本の請求書は、これまでどおり受け付けます。
問い合わせ先：電話03-1234-5678（内線4321）
EOF
timeout 300 soffice -env:UserInstallation="file://$work/profile" --headless \
	--infilter="Text (encoded):UTF8" --convert-to pdf --outdir "$work" "$work/tsuchi.txt" \
	>"$work/soffice.log" 2>&1
if [ -s "$work/tsuchi.pdf" ]; then
	ok "LibreOffice made the Japanese PDF"
else
	bad "LibreOffice made no PDF: $(tail -1 "$work/soffice.log")"
fi
cp "$corpus/pdf/tracemonkey.pdf" "$work/"

# share WANT GOT words|chars: the share of WANT's tokens found in GOT in the
# same order, page by page (pdftotext ends each page with a form feed)
share() {
	python3 - "$1" "$2" "$3" <<'EOF'
import difflib, sys
want, got = (open(p, encoding="utf-8").read().split("\f") for p in sys.argv[1:3])
chars = sys.argv[3] == "chars"
def tokens(t):
    return [c for c in t if not c.isspace()] if chars else t.split()
total = found = 0
for w, g in zip(want, got + [""] * len(want)):
    a, b = tokens(w), tokens(g)
    total += len(a)
    found += sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
print(f"{found / total:.3f}" if total else "0")
EOF
}

# the content streams in qpdf's QDF form: every BT opens in render mode 3,
# no other mode is set; prints the number of text objects, or "bad"
render_modes() {
	python3 - "$1" <<'EOF'
import re, sys
d = open(sys.argv[1], "rb").read()
n = 0
for m in re.finditer(rb"%% Contents for page \d+\n.*?stream\n(.*?)endstream", d, re.S):
    s = m.group(1)
    bt, inv, tr = s.count(b"BT\n"), s.count(b"BT\n3 Tr\n"), s.count(b" Tr")
    if bt != inv or tr != inv:
        print("bad"); sys.exit()
    n += bt
print(n)
EOF
}

for doc in tsuchi tracemonkey; do
	in=$work/$doc.pdf
	[ -s "$in" ] || continue
	unit=words
	[ "$doc" = tsuchi ] && unit=chars
	if ! "$mugai" sanitize --mode flatten --report "$work/$doc.json" "$in" "$work/$doc.flat.pdf" \
		>"$work/$doc.log" 2>&1; then
		bad "$doc: not flattened: $(tr '\n' ' ' <"$work/$doc.log")"
		continue
	fi
	pdftotext -enc UTF-8 "$in" "$work/$doc.want.txt"
	pdftotext -enc UTF-8 "$work/$doc.flat.pdf" "$work/$doc.got.txt"
	s=$(share "$work/$doc.want.txt" "$work/$doc.got.txt" "$unit")
	if awk -v s="$s" 'BEGIN{exit !(s >= 0.95)}'; then
		ok "$doc: pdftotext finds $s of the $unit in order"
	else
		bad "$doc: pdftotext finds only $s of the $unit in order: $(head -c 300 "$work/$doc.got.txt")"
	fi
	if [ "$doc" = tsuchi ] && ! tr -d ' \n' <"$work/$doc.got.txt" | grep -qF '元の文字を透明な層として残すため、'; then
		bad "$doc: a Japanese line is not whole: $(head -c 300 "$work/$doc.got.txt")"
	fi
	if qpdf --check "$work/$doc.flat.pdf" >/dev/null 2>&1; then
		ok "$doc: qpdf --check accepts the flattened PDF"
	else
		bad "$doc: qpdf --check: $(qpdf --check "$work/$doc.flat.pdf" 2>&1 | tail -1)"
	fi
	qpdf --qdf --object-streams=disable "$work/$doc.flat.pdf" "$work/$doc.qdf" >/dev/null 2>&1
	found=$(grep -aoE '/(JS|JavaScript|OpenAction|AA|Launch|EmbeddedFile|AcroForm|XFA|Annots|FontFile[23]?)\b' \
		"$work/$doc.qdf" | sort -u | tr '\n' ' ')
	if [ -z "$found" ]; then
		ok "$doc: no active name, no font program"
	else
		bad "$doc: $found"
	fi
	n=$(render_modes "$work/$doc.qdf")
	if [ "$n" != bad ] && [ "$n" -gt 0 ]; then
		ok "$doc: all $n text objects in render mode 3"
	else
		bad "$doc: text drawn in a visible mode, or no text ($n)"
	fi
	"$mugai" sanitize --mode flatten -o policy.pdf_text_layer=no "$in" "$work/$doc.bare.pdf" >/dev/null 2>&1
	if [ -s "$work/$doc.bare.pdf" ] && [ -z "$(pdftotext "$work/$doc.bare.pdf" - 2>/dev/null | tr -d ' \n\f')" ]; then
		ok "$doc: policy.pdf_text_layer=no leaves the images only"
	else
		bad "$doc: policy.pdf_text_layer=no still has text, or failed"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
