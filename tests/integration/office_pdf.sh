#!/usr/bin/env bash
# policy pdf end to end: legacy Office, RTF and StarOffice documents (the
# corpus's and ones made here, Japanese among them) dropped into mugaid's
# inbox come out as flattened PDFs whose text pdftotext finds: LibreOffice
# ran in bubblewrap for the worker's job and the PDF went through the
# flatten path.  A document with an auto-run macro shows nothing ran; a
# document with a picture linked from a local HTTP server (which an
# unsandboxed LibreOffice fetches: checked first) makes no request; the
# worker's service and the mugai command kill LibreOffice on a long document at a 1 s time
# limit and block the item with the reason; without LibreOffice or with a bubblewrap that fails,
# the document becomes text with a note.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

for tool in soffice bwrap pdftotext pdffonts; do
	command -v "$tool" >/dev/null || { ko "$tool is installed"; finish; exit 1; }
done

gen=$tmp/gen
mkdir -p "$gen/www" "$gen/made" "$gen/ctl"
chmod 755 "$gen"
port=$(free_port)
$py "$here/lib/make_office_docs.py" "$gen" "$port" >"$gen/texts" || { ko "documents made"; finish; exit 1; }
text_of() { grep "^$1|" "$gen/texts" | cut -d'|' -f2-; }
$py -c 'import base64,sys; open(sys.argv[1],"wb").write(base64.b64decode(
"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"))' \
	"$gen/www/remote.png"
(cd "$gen/www" && exec $py -m http.server "$port" --bind 127.0.0.1) >"$gen/http.log" 2>&1 &
pids_to_stop+=("$!")
wait_until 10 listening "$port" || ko "the HTTP server listens"
hits() { grep -c 'remote.png' "$gen/http.log"; }

# LibreOffice as a script would run it, without a sandbox: the picture is
# fetched (so the sandboxed run's silence below means something), and the
# Word, Excel and PowerPoint documents are made from the generated ones.
lo() { timeout 120 soffice -env:UserInstallation="file://$gen/profile" --headless "$@" >>"$gen/soffice.log" 2>&1; }
lo --convert-to pdf --outdir "$gen/ctl" "$gen/remote.sxw"
check "an unsandboxed LibreOffice fetches the linked picture" test "$(hits)" -ge 1
lo --convert-to doc --outdir "$gen/made" "$gen/jp.rtf"
lo --convert-to xls --outdir "$gen/made" "$gen/table.csv"
lo --convert-to ppt --outdir "$gen/made" "$gen/slides.odp"
before=$(hits)

# case: file dropped | text pdftotext must find (| separated, all of them)
cases=(
	"$corpus/office/harmless-clean.doc|This is a harmless test document."
	"$corpus/office/sample_with_vba.ppt|PPT VBA TEST"
	"$corpus/office/excel4_sample_macro.xls|"
	"$gen/made/jp.doc|$(text_of jp.rtf)"
	"$gen/made/table.xls|$(text_of table.csv)"
	"$gen/made/slides.ppt|$(text_of slides.odp)"
	"$gen/jp.rtf|$(text_of jp.rtf)"
	"$gen/text.sxw|$(text_of text.sxw)"
	"$gen/table.sxc|$(text_of table.sxc)"
	"$gen/slides.sxi|$(text_of slides.sxi)"
	"$gen/macro.odt|$(text_of macro.odt)"
	"$gen/remote.sxw|$(text_of remote.sxw)"
)

start_mugaid -o relay.next_hop=dir:"$gw/mail" -o workers.count=1 -o drop.settle=1s \
	-o drop.rescan=1s -o policy.office_odf=pdf || { ko "mugaid starts"; finish; exit 1; }
inbox=$gw/inbox outbox=$gw/outbox
mkdir -p "$inbox"
chmod 777 "$inbox"
for c in "${cases[@]}"; do
	cp "${c%%|*}" "$inbox/"
done

report_of() { echo "$outbox/$(basename "$1").pdf.report.json"; }
for c in "${cases[@]}"; do
	f=${c%%|*} want=${c#*|}
	name=$(basename "$f")
	out=$outbox/$name.pdf
	if ! wait_until 60 test -e "$(report_of "$f")"; then
		ko "$name: no report"
		continue
	fi
	if ! head -c5 "$out" 2>/dev/null | grep -q '%PDF'; then
		ko "$name: a PDF comes out ($(grep -o '"reason": "[^"]*' "$(report_of "$f")" | head -1))"
		continue
	fi
	ok "$name: a PDF comes out"
	check "$name: LibreOffice converted it in its sandbox, then it was flattened" \
		grep -q 'to PDF by LibreOffice.*then flattened' "$(report_of "$f")"
	check "$name: no font program and no active content in it" \
		bash -c '! grep -aqE "/FontFile|/JavaScript|/JS|/OpenAction|/Launch|/EmbeddedFile|/AcroForm" "$1"' _ "$out"
	text=$(pdftotext "$out" - 2>/dev/null | tr -s ' \n' ' ')
	IFS='|' read -ra words <<<"$want"
	for w in "${words[@]}"; do
		[[ -n $w ]] || continue
		check "$name: pdftotext finds '$w'" grep -qF -- "$w" <<<"$text"
	done
done

# macros: removed before LibreOffice, and never run
check "the macro document's Basic library was removed first" \
	grep -q '"Basic/Standard/Module1.xml"' "$(report_of macro.odt)"
check "the auto-run macro wrote no file" test ! -e "$gen/macro-ran"
check "and changed nothing in the document" \
	bash -c '! pdftotext "$1" - 2>/dev/null | grep -q "MACRO RAN"' _ "$outbox/macro.odt.pdf"
# no network: the sandbox has no network namespace of the host's
check "the sandboxed LibreOffice made no request for the linked picture" test "$(hits)" -eq "$before"
stop_mugaid

# the worker's service kills LibreOffice at the item's deadline: blocked, with the reason
start_mugaid -o relay.next_hop=dir:"$gw/mail" -o workers.count=1 -o drop.settle=1s \
	-o drop.rescan=1s -o policy.time_limit=1s || ko "mugaid starts again"
cp "$gen/long.sxw" "$inbox/slow.sxw"
slow=$outbox/slow.sxw.report.json
check "a conversion over the deadline leaves a report" wait_until 30 test -e "$slow"
check "the item is blocked for its time limit" grep -q '"status": "limit_time"' "$slow"
check "the reason names LibreOffice and the kill" grep -q 'LibreOffice did not convert the sxw document within the item.s time limit and was killed' "$slow"
check "no artefact" bash -c '! ls "$1" | grep -q "^slow.sxw.pdf$"' _ "$outbox"
check "no LibreOffice left running after the worker's kill" bash -c '! pgrep -f "[/]in/document[.]sxw" >/dev/null'
stop_mugaid

# the mugai command runs LibreOffice itself; at the deadline it is killed
rc=0
"$mugai" sanitize -o policy.time_limit=1s --report "$tmp/slow.json" "$gen/long.sxw" "$tmp/slow.pdf" \
	>"$tmp/slow.log" 2>&1 || rc=$?
check "a conversion over the time limit blocks the item (exit 2)" test "$rc" -eq 2
check "with the reason" grep -q 'LibreOffice did not convert the sxw document within the item.s time limit and was killed' "$tmp/slow.json"
check "status limit_time" grep -q '"status": "limit_time"' "$tmp/slow.json"
check "nothing written" test ! -e "$tmp/slow.pdf"
check "no LibreOffice left running" bash -c '! pgrep -f "[/]in/document[.]sxw" >/dev/null'

# no LibreOffice, or a sandbox that cannot be made: text, with a note
MUGAI_SOFFICE=/nonexistent/soffice "$mugai" sanitize --report "$tmp/nolo.json" \
	"$corpus/office/harmless-clean.doc" "$tmp/nolo.txt" >/dev/null 2>&1
check "without LibreOffice a .doc becomes text" grep -q 'This is a harmless test document.' "$tmp/nolo.txt"
check "and the report says why" grep -q 'LibreOffice is not available (LibreOffice (soffice) is not installed)' "$tmp/nolo.json"
MUGAI_BWRAP=/bin/false "$mugai" sanitize --report "$tmp/nobw.json" "$gen/text.sxw" "$tmp/nobw.txt" \
	>/dev/null 2>&1
check "a bubblewrap that fails makes an .sxw text" grep -q "$(text_of text.sxw)" "$tmp/nobw.txt"
check "with a note" grep -q 'LibreOffice is not available' "$tmp/nobw.json"

finish
