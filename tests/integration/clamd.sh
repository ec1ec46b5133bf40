#!/usr/bin/env bash
# The malware scan with Debian's real clamd: a signature database written
# here (the MD5 of the EICAR test file and a body signature: no download),
# clamd on a temporary unix socket.  A mail carrying EICAR is quarantined
# as malware and the recipients get a notice; a file carrying it leaves a
# report and no artefact; a mail larger than clamd's StreamMaxLength is
# blocked, never passed unscanned; clamd down makes mail temp-fail (451,
# nothing kept) and files wait in the inbox until clamd is back.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"
inspect() { $py "$here/lib/inspect_mail.py" "$1"; }

command -v clamd >/dev/null || { echo "clamd not installed"; exit 1; }
cl=$tmp/clamd
mkdir -p "$cl/db" "$cl/tmp"
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s' "$eicar" >"$tmp/eicar.com"
echo "$(md5sum <"$tmp/eicar.com" | cut -c1-32):68:Mugai.Test.EICAR" >"$cl/db/test.hdb"
echo "Mugai.Test.EICAR.Body:0:*:$(printf 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' | od -An -tx1 | tr -d ' \n')" >"$cl/db/test.ndb"
cat >"$cl/clamd.conf" <<EOF
LocalSocket $cl/clamd.sock
LocalSocketMode 666
DatabaseDirectory $cl/db
Foreground yes
LogFile $cl/clamd.log
TemporaryDirectory $cl/tmp
StreamMaxLength 200K
EOF
clamd_pid=
start_clamd() {
	rm -f "$cl/clamd.sock"
	clamd -c "$cl/clamd.conf" >>"$cl/clamd.out" 2>&1 &
	clamd_pid=$!
	pids_to_stop+=("$clamd_pid")
	wait_until 60 test -S "$cl/clamd.sock"
}
stop_clamd() {
	kill -TERM "$clamd_pid" 2>/dev/null
	wait "$clamd_pid" 2>/dev/null
	rm -f "$cl/clamd.sock"
}
start_clamd || { ko "clamd starts"; tail "$cl/clamd.out"; finish; exit 1; }

sink_port=$(free_port)
sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
mkdir -p "$gw/inbox"
chmod 777 "$gw" "$gw/inbox"
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=1 \
	-o "clamd.socket=$cl/clamd.sock" -o clamd.timeout=20s -o policy.max_size=1M \
	-o smtp.max_size=2M -o drop.rescan=2s -o drop.settle=1s ||
	{ ko "mugaid starts"; finish; exit 1; }

send() { $py "$here/lib/send_mail.py" --port "$smtp_port" "$1"; }
reply_id() { grep -oE '[0-9]{8}T[0-9]{6}-[0-9a-f]{12}' | head -1; }
dump_of() { grep -l "X-Mugai-Id: $1" "$sink"/* 2>/dev/null | head -1; }
has_dump() { [[ -n $(dump_of "$1") ]]; }
mail_with() { # mail_with FILE NAME: a message with FILE attached as NAME
	$py - "$1" "$2" <<'EOF'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"], m["To"], m["Subject"] = "alice@example.org", "bob@example.lg.jp", "attached"
m.set_content("see the attachment\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="octet-stream", filename=sys.argv[2])
sys.stdout.write(m.as_string())
EOF
}

# ---- a clean mail: scanned, delivered
out=$(send "$corpus/mail/mikel_basic_email.eml")
id=$(reply_id <<<"$out")
check "a clean mail is scanned and delivered" grep -q "^250 2.0.0 Ok: $id sanitised and delivered" <<<"$out"
check "its stored report says the scan found it clean" grep -q '"malware_scan": "clean"' <<<"$(q show "$id" --json)"

# ---- EICAR attached: malware, kept, the recipients told
mail_with "$tmp/eicar.com" invoice.zip >"$tmp/eicar.eml"
out=$(send "$tmp/eicar.eml")
id=$(reply_id <<<"$out")
check "a mail with EICAR gets 250: kept as malware, recipients notified" \
	grep -q "^250 2.0.0 Ok: $id malware and quarantined, recipients notified" <<<"$out"
wait_until 5 has_dump "$id"
d=$(dump_of "$id")
j=$( [[ -n $d ]] && inspect "$d")
check "the recipients get a notice: X-Mugai-Verdict: malware" grep -q '"mugai_verdict": "malware"' <<<"$j"
check "the notice names clamd's signature" grep -q "Mugai.Test.EICAR" <<<"$j"
check "the notice carries no part of the original" bash -c '! grep -q "EICAR-STANDARD" "$1" && ! grep -qi "invoice.zip" "$1"' _ "$d"
check "the quarantine has it as malware" grep -qE "$id.*malware" <<<"$(q list --verdict malware)"
check "the log line names the signature" grep -q '"malware":"Mugai.Test.EICAR' <<<"$(item_line "$id")"

# ---- larger than clamd's StreamMaxLength: blocked, not passed unscanned
head -c 300000 /dev/urandom >"$tmp/big.bin"
mail_with "$tmp/big.bin" big.bin >"$tmp/big.eml"
out=$(send "$tmp/big.eml")
id=$(reply_id <<<"$out")
check "a mail clamd cannot take whole is blocked (kept, notice)" \
	grep -q "^250 2.0.0 Ok: $id blocked and quarantined, recipients notified" <<<"$out"
check "the reason is the scanner's size limit" grep -q "too large for the malware scan" <<<"$(item_line "$id")"

# ---- files: EICAR in the drop folder
cp "$tmp/eicar.com" "$gw/inbox/eicar.com"
cp "$corpus/office/harmless-clean.docx" "$gw/inbox/clean.docx"
check "a clean file is written" wait_until 30 test -e "$gw/outbox/clean.docx.report.json"
check "an EICAR file leaves a report" wait_until 30 test -e "$gw/outbox/eicar.com.report.json"
check "the report says malware, with the signature" \
	bash -c 'grep -q "\"verdict\": \"malware\"" "$1" && grep -q "Mugai.Test.EICAR" "$1"' _ "$gw/outbox/eicar.com.report.json"
check "no artefact for it" bash -c '! ls "$1" | grep -qE "^eicar\.com(\.txt)?$"' _ "$gw/outbox"
check "the input is gone, kept in the quarantine" wait_until 10 test ! -e "$gw/inbox/eicar.com"

# ---- clamd down: mail temp-fails with nothing kept, files wait
stop_clamd
before=$(q list --json --limit 1000 | $py -c 'import json,sys; print(len(json.load(sys.stdin)))')
out=$(send "$corpus/mail/mikel_basic_email.eml")
check "clamd down: the mail gets 451" grep -qE "^451 4.3.0 .*malware scan not possible" <<<"$out"
after=$(q list --json --limit 1000 | $py -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "clamd down: nothing was kept or delivered" test "$before" = "$after"
cp "$corpus/office/harmless-clean.docx" "$gw/inbox/later.docx"
check "clamd down: the file is kept for later" wait_until 15 grep -q "later.docx kept for a later attempt" "$log"
# waiting in the inbox, or in this node's claim folder (inbox/.claims/NODE)
check "clamd down: the file is still in the inbox, nothing written" \
	bash -c '[[ -n "$(find "$1/inbox" -name later.docx)" && ! -e "$1/outbox/later.docx" ]]' _ "$gw"
start_clamd
check "clamd back: the waiting file is taken" wait_until 30 test -e "$gw/outbox/later.docx"
out=$(send "$corpus/mail/mikel_basic_email.eml")
check "clamd back: mail flows again" grep -q "^250 2.0.0 Ok: .* sanitised and delivered" <<<"$out"

stop_mugaid
stop_clamd
finish
