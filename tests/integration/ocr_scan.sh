#!/usr/bin/env bash
# Scanned PDFs through the running daemon (dropd, the sandboxed worker):
# a Japanese notice is made here the way an office makes one (LibreOffice
# from a UTF-8 text, IPA Gothic), printed to pictures at 200 dpi
# (pdftoppm) and wrapped as a PDF of pictures (img2pdf), as a scanner
# would give it; an English one likewise.  Each comes out flattened with
# Tesseract's words as its invisible text layer:
#   - pdftotext finds nothing in the scan, and in the output at least 95 %
#     of the original's characters (Japanese) or words (English), in order;
#   - the report says the pages were recognised with OCR;
#   - the job process read no language data and started no thread: it ran
#     under the worker's seccomp filter and was not killed, and the worker
#     loaded Tesseract once, before its sandbox (no warning in the log);
#   - with policy.ocr = no the same scan comes out without text.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

for tool in soffice pdftoppm img2pdf pdftotext; do
	command -v "$tool" >/dev/null || { ko "$tool is installed"; finish; exit 1; }
done
inbox=$gw/inbox outbox=$gw/outbox
mkdir -p "$inbox"
chmod 777 "$gw" "$inbox"

cat >"$tmp/tsuchi.txt" <<'EOF'
メール添付ファイルの無害化について

LGWAN接続系へ取り込むファイルは、無害化したうえで受け取ります。
紙から読み取った書類も、文字を検索できるようになります。
住民票の写しと課税証明書の請求書は、これまでどおり受け付けます。
問い合わせ先は総務課情報政策係です。
EOF
cat >"$tmp/notice.txt" <<'EOF'
Notice on sanitised attachments

Files taken into the LGWAN segment are sanitised before they arrive.
Scanned forms become searchable documents after flattening.
Requests for residence certificates are accepted as before.
EOF

# scan NAME: NAME.txt -> NAME.pdf (LibreOffice) -> pictures -> NAME-scan.pdf
scan() {
	timeout 300 soffice -env:UserInstallation="file://$tmp/profile" --headless \
		--infilter="Text (encoded):UTF8" --convert-to pdf --outdir "$tmp" "$tmp/$1.txt" \
		>"$tmp/soffice.log" 2>&1 || return 1
	pdftotext -enc UTF-8 "$tmp/$1.pdf" "$tmp/$1.want" &&
		pdftoppm -r 200 -gray -png "$tmp/$1.pdf" "$tmp/$1-page" &&
		img2pdf -s 200dpi -o "$tmp/$1-scan.pdf" "$tmp/$1"-page*.png 2>/dev/null
}

# share WANT GOT words|chars: WANT's tokens found in GOT in the same order
share() {
	$py - "$1" "$2" "$3" <<'EOF'
import difflib, sys
want, got = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
chars = sys.argv[3] == "chars"
def tokens(t):
    if chars:
        return [c for c in t if c.isalnum()]
    return ["".join(c for c in w if c.isalnum()).lower() for w in t.split()]
a, b = tokens(want), tokens(got)
found = sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
print(f"{found / len(a):.3f}" if a else "0")
EOF
}
at_least() { $py -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$1" "$2"; }
exists() { [[ -e $1 ]]; }
report_has() { $py -c 'import json,sys; r=json.load(open(sys.argv[1]))
sys.exit(0 if any(sys.argv[3] in a for a in r.get(sys.argv[2], [])) else 1)' "$1" "$2" "$3"; }
drop() { cp "$1" "$inbox/.$2" && mv "$inbox/.$2" "$inbox/$2"; }

check "a Japanese scan is made" scan tsuchi
check "an English scan is made" scan notice
[[ -s $tmp/tsuchi-scan.pdf && -s $tmp/notice-scan.pdf ]] || { finish; exit 1; }
check "pdftotext finds nothing in the scan" test "$(pdftotext "$tmp/tsuchi-scan.pdf" - | tr -d '[:space:]')" = ""

start_mugaid -o relay.next_hop=dir:"$gw/mail" -o workers.count=1 -o drop.settle=1s \
	-o drop.rescan=2s -o policy.pdf=flatten || { ko "mugaid starts"; finish; exit 1; }

for doc in tsuchi:chars notice:words; do
	name=${doc%%:*} by=${doc#*:}
	drop "$tmp/$name-scan.pdf" "$name.pdf"
	if ! wait_until 90 exists "$outbox/$name.pdf.report.json"; then
		ko "$name: no report within 90 s"
		continue
	fi
	r=$outbox/$name.pdf.report.json
	check "$name: sanitised" report_has "$r" actions "rendered 1 pages"
	check "$name: recognised with OCR" report_has "$r" actions "recognised the text of 1 pages with OCR"
	pdftotext -enc UTF-8 "$outbox/$name.pdf" "$tmp/$name.got" 2>/dev/null
	s=$(share "$tmp/$name.want" "$tmp/$name.got" "$by")
	check "$name: pdftotext finds $s of the $by in order (>= 0.95)" at_least "$s" 0.95
	check "$name: no font program, no active name" \
		bash -c '! grep -Eaq "/FontFile|/JavaScript|/OpenAction|/AA|/Launch" "$1"' _ "$outbox/$name.pdf"
done
check "the worker loaded OCR before its sandbox (no warning)" bash -c "! grep -q 'OCR cannot be loaded' '$log'"
check "no job was killed by its sandbox" bash -c "! grep -Eq 'killed by signal|forbidden system call' '$log'"
stop_mugaid

start_mugaid -o relay.next_hop=dir:"$gw/mail" -o workers.count=1 -o drop.settle=1s \
	-o drop.rescan=2s -o policy.ocr=no || { ko "mugaid starts with policy.ocr=no"; finish; exit 1; }
drop "$tmp/notice-scan.pdf" plain.pdf
if wait_until 60 exists "$outbox/plain.pdf.report.json"; then
	check "policy.ocr=no: sanitised without OCR" \
		bash -c "! grep -q 'with OCR' '$outbox/plain.pdf.report.json' && grep -q 'rendered 1 pages' '$outbox/plain.pdf.report.json'"
	check "policy.ocr=no: no text in the output" test "$(pdftotext "$outbox/plain.pdf" - | tr -d '[:space:]')" = ""
else
	ko "policy.ocr=no: no report within 60 s"
fi
finish
