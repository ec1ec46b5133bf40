#!/usr/bin/env bash
# dropd end to end: files put in the inbox (copied, renamed in from a
# temporary name, in subfolders, a folder moved in, present before the
# start) come out sanitised in the outbox with NAME.report.json; blocked
# files leave a report and no artefact; the inputs are gone and the
# originals in the quarantine; temporary and hidden names are left alone;
# a second file of the same name never replaces the first; a file over
# the size limit is renamed .rejected with a report.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

inbox=$gw/inbox outbox=$gw/outbox
mkdir -p "$inbox"
chmod 777 "$gw" "$inbox" # people drop files there; mugaid's own user takes them
# present before the start, settled: the start-up scan takes it
cp "$corpus/office/harmless-clean.docx" "$inbox/before.docx"
touch -d '1 minute ago' "$inbox/before.docx"

start_mugaid -o relay.next_hop=dir:"$gw/mail" -o workers.count=1 -o drop.settle=1s \
	-o drop.rescan=2s -o policy.max_size=300K || { ko "mugaid starts"; finish; exit 1; }

exists() { [[ -e $1 ]]; }
gone() { [[ ! -e $1 ]]; }
report_field() { $py -c 'import json,sys; r=json.load(open(sys.argv[1]))
v=r
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"; }
zip_members() { $py -c 'import zipfile,sys; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }

# ---- taken at start-up
check "a file already there is taken at start-up" wait_until 30 exists "$outbox/before.docx"
check "its input is gone" wait_until 10 gone "$inbox/before.docx"

# ---- copied in: a macro document is rebuilt without VBA
cp "$corpus/office/oleform-PR314.docm" "$inbox/"
check "a .docm comes out as .docx" wait_until 30 exists "$outbox/oleform-PR314.docx.report.json"
m=$(zip_members "$outbox/oleform-PR314.docx")
check "no vbaProject.bin in it" bash -c 'grep -q word/document.xml <<<"$1" && ! grep -q vbaProject <<<"$1"' _ "$m"
check "the report says sanitised" test "$(report_field "$outbox/oleform-PR314.docx.report.json" verdict)" = sanitised
check "the report names the output and says quarantined" \
	test "$(report_field "$outbox/oleform-PR314.docx.report.json" gateway.output_name)/$(report_field "$outbox/oleform-PR314.docx.report.json" gateway.quarantined)" = "oleform-PR314.docx/True"
check "the input is gone" wait_until 10 gone "$inbox/oleform-PR314.docm"
id=$(report_field "$outbox/oleform-PR314.docx.report.json" item_id)
check "the original is in the quarantine under its file name" grep -qE "$id.*oleform-PR314.docm" <<<"$(q list --channel file)"
sha=$(sha256sum <"$corpus/office/oleform-PR314.docm" | cut -c1-64)
same_original() { original_out "$1" "$2" && cmp -s "$2" "$3"; }
check "the quarantine holds the original, by SHA-256" \
	same_original "$sha" "$tmp/original.docm" "$corpus/office/oleform-PR314.docm"

# ---- renamed in from a temporary name: taken only after the rename
cp "$corpus/pdf/js-authors.pdf" "$inbox/js-authors.pdf.part"
sleep 4 # two rescans
check "a .part file is left alone" bash -c "[[ -e '$inbox/js-authors.pdf.part' && ! -e '$outbox/js-authors.pdf.report.json' ]]"
mv "$inbox/js-authors.pdf.part" "$inbox/js-authors.pdf"
check "renamed in, it is taken" wait_until 60 exists "$outbox/js-authors.pdf.report.json"
check "the PDF came out as a PDF with no JavaScript" \
	bash -c 'head -c5 "$1" | grep -q %PDF && ! grep -qa JavaScript "$1"' _ "$outbox/js-authors.pdf"

# ---- blocked: a report, no artefact
cp "$corpus/exec/lhasa_explzh723_declha_sfx_ansi.exe" "$inbox/setup.exe"
check "a blocked file leaves its report" wait_until 30 exists "$outbox/setup.exe.report.json"
check "and no artefact" bash -c '! ls "$1" | grep -qvE "\.report\.json$|^(before|oleform-PR314)\.docx$|^js-authors\.pdf$"' _ "$outbox"
check "the report says blocked" test "$(report_field "$outbox/setup.exe.report.json" verdict)" = blocked
check "and why" grep -q '"reason": "executable' "$outbox/setup.exe.report.json"
check "the blocked input is gone (kept in the quarantine)" wait_until 10 gone "$inbox/setup.exe"
check "the quarantine has it as blocked" grep -qE "setup.exe" <<<"$(q list --channel file --verdict blocked)"

# ---- the same name twice: never overwritten
cp "$corpus/office/harmless-clean.docx" "$inbox/same.docx"
wait_until 30 exists "$outbox/same.docx.report.json"
wait_until 10 gone "$inbox/same.docx"
cp "$corpus/office/harmless-clean.docx" "$inbox/same.docx"
check "a second same.docx becomes 'same (2).docx'" wait_until 30 exists "$outbox/same (2).docx"
check "with its own report" wait_until 10 exists "$outbox/same (2).docx.report.json"
check "the first is still there" exists "$outbox/same.docx"

# ---- subfolders keep their relative path; a folder moved in is taken whole
mkdir -p "$inbox/総務課/2024"
chmod -R 777 "$inbox/総務課"
cp "$corpus/image/exif_Canon_40D.jpg" "$inbox/総務課/2024/photo.jpg"
check "a file in a subfolder comes out under the same path" wait_until 30 exists "$outbox/総務課/2024/photo.jpg.report.json"
check "the photo lost its EXIF (camera maker)" bash -c '! grep -qa "Canon" "$1"' _ "$outbox/総務課/2024/photo.jpg"
mkdir -p "$tmp/folder/inner"
cp "$corpus/office/dde-in-csv.csv" "$tmp/folder/inner/list.csv"
chmod -R a+rwX "$tmp/folder"
mv "$tmp/folder" "$inbox/moved"
check "a folder moved in is taken" wait_until 30 exists "$outbox/moved/inner/list.csv.report.json"
check "the CSV's formula was defanged" bash -c '! grep -q "^=cmd" "$1"' _ "$outbox/moved/inner/list.csv"

# ---- a folder mugai may not change: left alone, never taken twice
if [[ $EUID == 0 ]]; then
	mkdir -p "$inbox/locked"
	chmod 755 "$inbox/locked" # root's: mugaid runs as another user
	cp "$corpus/office/harmless-clean.docx" "$inbox/locked/a.docx"
	touch -d '1 minute ago' "$inbox/locked/a.docx"
	check "a file in a folder mugai cannot change is left, with an error logged" \
		wait_until 15 grep -q "locked/a.docx left in place: its folder is not writable" "$log"
	check "and nothing was written for it" bash -c '[[ -e "$1/locked/a.docx" && ! -e "$2/locked" ]]' _ "$inbox" "$outbox"
	rm -rf "$inbox/locked"
fi

# ---- names a writer in progress uses, and hidden files
echo hello >"$inbox/.hidden.txt"
echo hello >"$inbox/~\$draft.docx"
echo hello >"$inbox/upload.tmp"
touch -d '1 minute ago' "$inbox/.hidden.txt" "$inbox/~\$draft.docx" "$inbox/upload.tmp"
sleep 5
check "hidden, ~\$ and .tmp files are left alone" \
	bash -c '[[ -e "$1/.hidden.txt" && -e "$1/~\$draft.docx" && -e "$1/upload.tmp" ]] && ! ls "$2" | grep -qE "hidden|draft|upload"' _ "$inbox" "$outbox"

# ---- over the size limit: rejected, reported, kept in the inbox
head -c 400000 /dev/urandom >"$inbox/huge.bin"
check "a file over max_size is renamed .rejected" wait_until 30 exists "$inbox/huge.bin.rejected"
check "with a report saying why" grep -q "larger than max_size" "$outbox/huge.bin.report.json"

# ---- every input taken is gone; nothing half-written in the outbox
check "no temporary file left in the outbox" bash -c '! find "$1" -name ".mugai-tmp-*" | grep -q .' _ "$outbox"
left=$(find "$inbox" -type f ! -name '.hidden.txt' ! -name '~$draft.docx' ! -name 'upload.tmp' ! -name 'huge.bin.rejected')
check "every other input is gone from the inbox" test -z "$left"
n=$(q list --channel file --json | $py -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "the quarantine has one file item per taken file (8)" test "$n" = 8
check "the log has one item line per file" test "$(grep -c '"channel":"file"' "$log")" -ge 9

stop_mugaid
finish
