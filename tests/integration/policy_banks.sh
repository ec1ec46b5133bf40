#!/usr/bin/env bash
# Policy banks through mugaid: the same Word attachment, mailed to a
# division whose bank blocks Office documents, from a partner whose bank
# turns them into text, and to anyone else (the default bank: cdr), comes
# out three ways; a file dropped in a division's folder is blocked where
# the same file at the top is sanitised; a message to recipients of two
# banks is split, one item a bank, under one reply; an allow-listed .docm
# passes the blocking bank rebuilt, without its macros.
# Each report and each log line names its bank.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

next=$tmp/next
docx=$corpus/office/harmless-clean.docx
docm=$corpus/office/oleform-PR314.docm
mkdir -p "$gw/inbox/soumu" "$gw/inbox/other"
chmod 777 "$gw" "$gw/inbox" "$gw/inbox/soumu" "$gw/inbox/other"
sha256sum "$docm" >"$gw/approved.sha256"
cat >"$tmp/mugai.conf" <<'EOF'
[policy:soumu]
ooxml = block
allow_sha256 = approved.sha256

[policy:partner]
ooxml = text

[rules]
soumu = recipient_domain soumu.example.lg.jp
partner = sender_domain .partner.example.co.jp
soumu = drop_folder soumu
partner = recipient_domain kikaku.example.lg.jp
EOF

check "mugai check-config accepts the banks" bash -c '"$1" check-config -c "$2" -o "daemon.directory=$3" >/dev/null' _ "$mugai" "$tmp/mugai.conf" "$gw"
printf '[rules]\nsoumu = channel smtp\n' >"$tmp/bad.conf"
err=$("$mugai" check-config -c "$tmp/bad.conf" 2>&1)
check "mugai check-config names a rule's unknown bank" grep -q "no bank 'soumu'" <<<"$err"
err=$("$mugaid" -t -c "$tmp/bad.conf" 2>&1)
check "mugaid -t refuses it too" grep -q "no bank 'soumu'" <<<"$err"

# a bank tried offline: the same document scanned by [policy] and by the
# bank (from daemon.directory, where the list's relative path points)
"$mugai" scan -c "$tmp/mugai.conf" "$docx" >/dev/null
check "mugai scan: clean by [policy]" test $? = 0
(cd "$gw" && exec "$mugai" scan -c "$tmp/mugai.conf" --bank soumu --report "$tmp/scan.json" "$docx" >/dev/null)
check "mugai scan --bank soumu: to block" test $? = 2
check "mugai scan --bank soumu: the report names the bank" grep -q '"bank": "soumu"' "$tmp/scan.json"
err=$("$mugai" sanitize -c "$tmp/mugai.conf" --bank nope "$docx" "$tmp/out.docx" 2>&1)
check "mugai sanitize --bank: an unknown bank is an error" \
	bash -c '[[ $1 == *"no policy bank '"'"'nope'"'"'"* && ! -e $2 ]]' _ "$err" "$tmp/out.docx"

start_mugaid -c "$tmp/mugai.conf" -o workers.count=1 -o "relay.next_hop=dir:$next" -o drop.settle=1s ||
	{ ko "mugaid starts"; finish; exit; }

# mail FILE ATTACHMENT: a mail with a Word attachment
mail() {
	$py - "$1" "$2" <<'PY'
import os, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "sender@example.org"
m["To"] = "someone@example.lg.jp"
m["Subject"] = "議事録"
m.set_content("議事録を送ります。\n")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="application",
                 subtype="octet-stream", filename=os.path.basename(sys.argv[2]))
open(sys.argv[1], "wb").write(bytes(m))
PY
}
mail "$tmp/docx.eml" "$docx"
mail "$tmp/docm.eml" "$docm"

# send FROM FILE TO...: the replies to each RCPT and to the data, one a line
send() {
	$py - "$smtp_port" "$@" <<'PY'
import smtplib, sys
port, sender, path, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.test")
s.mail(sender)
ok = 0
for r in rcpts:
    code, text = s.rcpt(r)
    print("RCPT", r, code, text.decode())
    ok += code < 300
if ok:
    code, text = s.data(open(path, "rb").read())
    print("DATA", code, text.decode())
s.quit()
PY
}
reply_id() { grep '^DATA 250' | grep -oE '[0-9]{8}T[0-9]{6}-[0-9a-f]{12}' | tail -1; }
# the attachments of the delivered mail ID: "name type" a line, and its envelope
delivered() {
	$py - "$next/$1.eml" <<'PY'
import sys
from email import policy
from email.parser import BytesParser
m = BytesParser(policy=policy.default).parse(open(sys.argv[1], "rb"))
print("to", " ".join(str(m["X-Mugai-Envelope-To"]).split()))
for p in m.iter_attachments():
    print("attachment", p.get_filename(), p.get_content_type())
for p in m.walk():
    if p.get_content_type() == "text/plain" and not p.get_filename():
        print("body", p.get_content().replace("\n", " ")[:400])
PY
}
report() { q show "$1" --json | $py -c 'import json,sys
r = json.load(sys.stdin)
r = r.get("report", r)
r = json.loads(r) if isinstance(r, str) else r
print(json.dumps(r))'; }
bank_of_report() { report "$1" | $py -c 'import json,sys; print(json.load(sys.stdin)["policy"]["bank"])'; }
bank_of_log() { item_line "$1" | json_field bank; }

# ---- 1. the default bank: the document is rebuilt (cdr) and attached
out=$(send alice@example.org "$tmp/docx.eml" bob@example.lg.jp)
id1=$(reply_id <<<"$out")
d=$(delivered "$id1")
check "default bank: the .docx stays a Word document" \
	grep -q "^attachment harmless-clean.docx application/vnd.openxmlformats-officedocument.wordprocessingml.document" <<<"$d"
check "default bank: named in the report and the log" \
	test "$(bank_of_report "$id1")/$(bank_of_log "$id1")" = default/default

# ---- 2. by recipient domain: the division's bank blocks Office documents
out=$(send alice@example.org "$tmp/docx.eml" taro@soumu.example.lg.jp)
id2=$(reply_id <<<"$out")
d=$(delivered "$id2")
check "soumu bank (recipient domain): the .docx is removed, the notice naming the bank" \
	bash -c '! grep -q "^attachment harmless-clean" <<<"$1" && grep -q "harmless-clean.docx.*blocked by policy bank soumu" <<<"$1"' _ "$d"
check "soumu bank: named in the report and the log" \
	test "$(bank_of_report "$id2")/$(bank_of_log "$id2")" = soumu/soumu

# ---- 3. by sender domain (a subdomain of .partner.example.co.jp): text
out=$(send hanako@mail.partner.example.co.jp "$tmp/docx.eml" bob@example.lg.jp)
id3=$(reply_id <<<"$out")
d=$(delivered "$id3")
check "partner bank (sender domain): the .docx becomes text" \
	grep -qE "^attachment harmless-clean[.a-z]*\.txt text/plain" <<<"$d"
check "partner bank: named in the report and the log" \
	test "$(bank_of_report "$id3")/$(bank_of_log "$id3")" = partner/partner

# ---- 4. recipients of two banks in one message: split, one item a bank
out=$(send alice@example.org "$tmp/docx.eml" bob@example.lg.jp taro@soumu.example.lg.jp jiro@soumu.example.lg.jp)
check "every recipient is taken" bash -c '[[ $(grep -c "^RCPT .* 250" <<<"$1") == 3 ]]' _ "$out"
check "one reply: 250, split by policy bank" grep -q "^DATA 250 2.0.0 Ok: split by policy bank: " <<<"$out"
ids=($(grep '^DATA 250' <<<"$out" | grep -oE '[0-9]{8}T[0-9]{6}-[0-9a-f]{12}'))
check "two items, one a bank" test "${#ids[@]}" = 2
d=$(delivered "${ids[0]:-none}")
check "the default bank's recipient gets the document rebuilt" \
	bash -c 'grep -q "^to <bob@example.lg.jp>$" <<<"$1" && grep -q "^attachment harmless-clean.docx " <<<"$1"' _ "$d"
d=$(delivered "${ids[1]:-none}")
check "the soumu bank's two recipients get one copy without it" \
	bash -c 'grep -q "^to <taro@soumu.example.lg.jp>, <jiro@soumu.example.lg.jp>$" <<<"$1" && ! grep -q "^attachment harmless-clean" <<<"$1"' _ "$d"
settings() { report "$1" | $py -c 'import json,sys; print(json.load(sys.stdin)["policy"].get("settings_sha256", ""))'; }
s0=$(settings "${ids[0]:-none}") s1=$(settings "${ids[1]:-none}")
check "each report hashes its own bank's settings" bash -c '[[ ${#1} == 64 && ${#2} == 64 && $1 != "$2" && $1 == "$3" ]]' _ "$s0" "$s1" "$(settings "$id1")"
check "each item's report and log line name its bank" \
	test "$(bank_of_report "${ids[0]:-none}")/$(bank_of_log "${ids[0]:-none}")/$(bank_of_report "${ids[1]:-none}")/$(bank_of_log "${ids[1]:-none}")" = default/default/soumu/soumu

# ---- 5. allow_sha256: the listed .docm passes the blocking bank rebuilt
out=$(send alice@example.org "$tmp/docm.eml" taro@soumu.example.lg.jp)
id5=$(reply_id <<<"$out")
d=$(delivered "$id5")
check "soumu bank: the allow-listed .docm comes out as .docx" \
	grep -q "^attachment oleform-PR314.docx application/vnd.openxmlformats" <<<"$d"
check "the mail's notice says it was allow-listed" grep -q "^body .*oleform-PR314.docm.*allow-listed by SHA-256" <<<"$d"
$py - "$next/$id5.eml" >"$tmp/members" <<'PY'
import io, sys, zipfile
from email import policy
from email.parser import BytesParser
m = BytesParser(policy=policy.default).parse(open(sys.argv[1], "rb"))
for p in m.iter_attachments():
    print("\n".join(zipfile.ZipFile(io.BytesIO(p.get_content())).namelist()))
PY
check "without its macros" bash -c '[[ -s $1 ]] && ! grep -qi vba "$1"' _ "$tmp/members"
r=$(report "$id5")
check "the report says allow-listed" bash -c 'grep -q "\"allow_listed\": true" <<<"$1" && grep -q "allow-listed by SHA-256" <<<"$1"' _ "$r"
out=$(send alice@example.org "$tmp/docm.eml" bob@example.lg.jp)
r=$(report "$(reply_id <<<"$out")")
check "the list is the soumu bank's only" bash -c '! grep -q allow_listed <<<"$1"' _ "$r"

# ---- 6. by drop subfolder: the same file blocked in soumu/, sanitised elsewhere
cp "$docx" "$gw/inbox/soumu/"
cp "$docx" "$gw/inbox/other/"
out=$gw/outbox
check "drop: the file in soumu/ is reported, not written" \
	wait_until 30 test -e "$out/soumu/harmless-clean.docx.report.json"
check "drop: the file in other/ is sanitised" wait_until 30 test -e "$out/other/harmless-clean.docx.report.json"
field() { $py -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["verdict"], r["policy"]["bank"])' "$1"; }
check "drop: soumu/ blocked by the soumu bank" test "$(field "$out/soumu/harmless-clean.docx.report.json")" = "blocked soumu"
check "drop: other/ sanitised by the default bank" test "$(field "$out/other/harmless-clean.docx.report.json")" = "sanitised default"
check "drop: no document written for soumu/" test ! -e "$out/soumu/harmless-clean.docx"
check "drop: the log lines name the banks" \
	bash -c 'grep "\"event\":\"item\"" "$1" | grep "\"channel\":\"file\"" | grep -q "\"bank\":\"soumu\"" &&
	         grep "\"event\":\"item\"" "$1" | grep "\"channel\":\"file\"" | grep -q "\"bank\":\"default\""' _ "$log"
stop_mugaid

# ---- 7. a split message whose second part the next hop defers: the
# client gets that part's 451, the third part is not tried
hop_port=$(free_port)
$py "$here/lib/picky_hop.py" "$hop_port" "$tmp/hop.log" soumu &
pids_to_stop+=($!)
wait_until 5 listening "$hop_port"
start_mugaid -c "$tmp/mugai.conf" -o workers.count=1 -o "relay.next_hop=smtp:127.0.0.1:$hop_port" ||
	{ ko "mugaid starts again"; finish; exit; }
out=$(send alice@example.org "$tmp/docx.eml" bob@example.lg.jp taro@soumu.example.lg.jp hanako@kikaku.example.lg.jp)
check "the deferred part's 451 is the reply" grep -qE "^DATA 451 4.7.1 .*taro@soumu.example.lg.jp.*\[[0-9]{8}T" <<<"$out"
check "the part before it went out, the part after it was not tried" \
	bash -c '[[ $(cat "$1") == "{\"rcpts\": [\"bob@example.lg.jp\"], \"size\": "* && $(wc -l <"$1") == 1 ]]' _ "$tmp/hop.log"
outcomes=$($py - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r.get("event") == "item" and r.get("channel") == "mail" and r.get("detail", "").find("next hop smtp") >= 0:
        print(",".join(r["recipients"]), r["bank"], r["outcome"])
PY
)
check "the log says so: default delivered, soumu deferred, no partner item" \
	test "$outcomes" = "bob@example.lg.jp default delivered
taro@soumu.example.lg.jp soumu deferred"
stop_mugaid
finish
