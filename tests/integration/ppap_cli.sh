#!/usr/bin/env bash
# `mugai sanitize --password-file`: PPAP archives and documents made here
# by zip, 7z and qpdf, opened with the candidates of a file, sanitised, and
# written without a password; a wrong or missing password blocks (exit 2);
# no password reaches the output, the report or the terminal.
set -uo pipefail

build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
mugai=$build/gateway/mugai
if [[ ! -x $mugai ]]; then
	echo "FAIL $mugai was not built"
	echo "0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d /tmp/mugai-ppap-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else ko "$1"; fi; }

pw='Hm4-zu8Q!Osaka'
printf 'PPAP CLI check: budget table\n' >memo.txt
zip -q -P "$pw" crypto.zip memo.txt
7z a -bd -y -p"$pw" -mem=AES256 aes.zip memo.txt >/dev/null
# as Notepad writes it: a byte-order mark and CRLF line ends
printf '\xef\xbb\xbfguess-one\r\n\r\n%s\r\nguess-two\r\n' "$pw" >pw.txt
printf 'guess-one\nguess-two\n' >wrong.txt

# one file: exit 0, a zip whose member is plain text, the report says unlocked
for z in crypto aes; do
	"$mugai" sanitize --password-file pw.txt --report $z.json $z.zip $z.out.zip >$z.log 2>&1
	rc=$?
	check "$z.zip opened with the password file (exit 0)" "[[ $rc == 0 ]]"
	check "$z.zip artefact has no encrypted member" \
		"7z l -slt $z.out.zip | grep -q '^Encrypted = -' && ! 7z l -slt $z.out.zip | grep -q '^Encrypted = +'"
	check "$z.zip artefact reads without a password" "unzip -p $z.out.zip memo.txt | grep -q 'budget table'"
	check "$z.zip report: unlocked by candidate 2 of 3" \
		"grep -q '\"unlocked\": true' $z.json && grep -q '\"password_candidate\": 2' $z.json && grep -q '\"password_candidates\": 3' $z.json"
done

# the password on the first line, behind the byte-order mark
printf '\xef\xbb\xbf%s\r\n' "$pw" >first.txt
"$mugai" sanitize --password-file first.txt --report first.json crypto.zip first.out.zip >first.log 2>&1
rc=$?
check "the byte-order mark is not part of the first password" \
	"[[ $rc == 0 ]] && grep -q '\"password_candidate\": 1' first.json"

# wrong candidates, and none: blocked, nothing written
"$mugai" sanitize --password-file wrong.txt --report w.json crypto.zip w.out.zip >w.log 2>&1
rc=$?
check "wrong candidates: blocked (exit 2)" "[[ $rc == 2 ]] && [[ ! -e w.out.zip ]]"
check "wrong candidates: encrypted, none opens it" \
	"grep -q '\"status\": \"encrypted\"' w.json && grep -q 'none of the 2 candidate passwords' w.json"
"$mugai" sanitize crypto.zip n.out.zip >n.log 2>&1
rc=$?
check "no password file: blocked (exit 2)" "[[ $rc == 2 ]] && [[ ! -e n.out.zip ]]"
"$mugai" sanitize --password-file missing.txt crypto.zip m.out.zip >m.log 2>&1
rc=$?
check "a missing password file is an error (exit 1)" "[[ $rc == 1 ]] && grep -q missing.txt m.log"

# a directory: each item with the same candidates, reports beside the outputs
mkdir -p in/sub
cp crypto.zip in/
cp aes.zip in/sub/
printf '%%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n' >blank.pdf
# qpdf repairs the missing cross-reference table (exit 3: warnings only)
qpdf --encrypt "$pw" owner-x 256 -- blank.pdf in/locked.pdf 2>/dev/null
check "qpdf made the password-protected PDF" "[[ -s in/locked.pdf ]]"
"$mugai" sanitize --password-file pw.txt in out >dir.log 2>&1
rc=$?
check "directory: every item sanitised (exit 0)" "[[ $rc == 0 ]] && grep -q '3 sanitised, 0 blocked' dir.log"
check "directory: the PDF was unlocked" "grep -q '\"unlocked\": true' out/locked.pdf.report.json"
check "directory: the flattened PDF has no encryption" "[[ -s out/locked.pdf ]] && ! grep -qa '/Encrypt' out/locked.pdf"

# the password is nowhere: outputs, reports, terminal output
leaks=$(grep -rlaF -- "$pw" ./*.json ./*.log ./*.out.zip out 2>/dev/null)
check "the password appears in no output, report or message" "[[ -z \"$leaks\" ]]"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
