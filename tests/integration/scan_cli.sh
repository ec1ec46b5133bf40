#!/usr/bin/env bash
# `mugai scan`: files, a mail and a directory made here are analysed and
# nothing is written but the report; exit 0 when nothing would be removed
# or blocked, 2 when something would, 1 on a missing input.  The report
# names each element that would go, also inside a mail's attachments.
set -uo pipefail

build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
mugai=$build/gateway/mugai
if [[ ! -x $mugai ]]; then
	echo "FAIL $mugai was not built"
	echo "0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d /tmp/mugai-scan-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else ko "$1"; fi; }
jq_py() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

mkdir in
printf '市役所からのお知らせ\r\n来週の会議は中止です。\r\n' >in/clean.txt
printf '<html><body><p>申込書</p><script>alert(1)</script>' >in/form.html
printf 'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00' >in/tool.exe
python3 - <<'EOF'
import email.mime.multipart, email.mime.text, email.mime.application
m = email.mime.multipart.MIMEMultipart()
m["From"] = "soumu@city.example.lg.jp"
m["To"] = "staff@example.lg.jp"
m["Subject"] = "scan test"
m.attach(email.mime.text.MIMEText("本文です。", "plain", "utf-8"))
a = email.mime.application.MIMEApplication(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "octet-stream")
a.add_header("Content-Disposition", "attachment", filename="invoice.exe")
m.attach(a)
open("mail.eml", "wb").write(m.as_bytes())
EOF
before=$(find . -type f | sort | md5sum)

"$mugai" scan in/clean.txt >clean.log 2>&1
check "a clean text file: exit 0" "[[ $? == 0 ]]"
check "a clean text file: said clean" "grep -q 'in/clean.txt: clean' clean.log"

"$mugai" scan --report all.json in/clean.txt in/form.html in/tool.exe >all.log 2>&1
check "script and executable: exit 2" "[[ $? == 2 ]]"
check "the script would be removed" "grep -q 'form.html: HTML active content' all.log"
check "the executable would be blocked" "grep -q 'tool.exe: would be blocked (type_blocked)' all.log"
check "report summary: 1 clean, 1 to remove, 1 to block" \
	"[[ \$(jq_py all.json 'r[\"summary\"][\"clean\"], r[\"summary\"][\"would_remove\"], r[\"summary\"][\"would_block\"]') == '1 1 1' ]]"
check "report: the script listed under would_remove" \
	"jq_py all.json 'r[\"items\"][1][\"would_remove\"][0][\"what\"]' | grep -q 'HTML active content'"
check "report: each item's full report is kept" \
	"[[ \$(jq_py all.json 'r[\"items\"][2][\"report\"][\"status\"]') == type_blocked ]]"

"$mugai" scan --mail --report mail.json mail.eml >mail.log 2>&1
check "a mail with an executable attachment: exit 2" "[[ $? == 2 ]]"
check "the attachment would be removed, named" "grep -q 'invoice.exe' mail.log"
check "report: the mail itself is not blocked" \
	"[[ \$(jq_py mail.json 'r[\"items\"][0][\"verdict\"]') == sanitised ]]"

"$mugai" scan --report dir.json in >dir.log 2>&1
check "a directory: exit 2, every file seen" \
	"[[ $? == 2 ]] && [[ \$(jq_py dir.json 'len(r[\"items\"])') == 3 ]]"

"$mugai" scan in/missing.txt >missing.log 2>&1
check "a missing input: exit 1" "[[ $? == 1 ]]"

"$mugai" scan -o policy.html=block in/form.html >o.log 2>&1
check "-o overrides the policy: HTML would be blocked" \
	"[[ $? == 2 ]] && grep -q 'form.html: would be blocked (type_blocked)' o.log"

python3 - <<'EOF2'
import email.mime.text
m = email.mime.text.MIMEText("会議の資料は来週お送りします。", "plain", "utf-8")
m["From"] = "soumu@city.example.lg.jp"
m["To"] = "staff@example.lg.jp"
m["Subject"] = "plain"
open("plain.eml", "wb").write(m.as_bytes())
EOF2
"$mugai" scan --mail plain.eml >plain.log 2>&1
check "a plain text mail: exit 0, clean" "[[ $? == 0 ]] && grep -q 'plain.eml: clean' plain.log"
rm -f plain.eml

rm -f ./*.json ./*.log
after=$(find . -type f | sort | md5sum)
check "nothing written beside the inputs" "[[ '$before' == '$after' ]]"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
