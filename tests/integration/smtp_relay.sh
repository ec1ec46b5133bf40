#!/usr/bin/env bash
# smtpd end to end: the real mugaid on loopback relays to Postfix's
# smtp-sink.  The delivered mail is sanitised (no text/html, the macro
# attachment rebuilt without vbaProject.bin, X-Mugai headers, our
# Received: line), the original is in the quarantine (listed, stored
# by SHA-256, byte for byte what was sent); a mail blocked whole reaches
# the recipients as a notice; the next hop down gives 451 and nothing
# marked delivered; a 5xx from the next hop gives 554; the protocol's
# limits; STARTTLS; /metrics.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"
inspect() { $py "$here/lib/inspect_mail.py" "$1"; }

sink_port=$(free_port)
sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }

# a certificate for STARTTLS
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mugai.test \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
chmod 644 "$tmp/key.pem"

start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=2 \
	-o policy.max_size=300K -o smtp.max_size=1M -o smtp.max_recipients=3 \
	-o "smtp.tls_cert=$tmp/cert.pem" -o "smtp.tls_key=$tmp/key.pem" -o relay.timeout=10s ||
	{ ko "mugaid starts"; finish; exit 1; }

# send FILE [swaks options...]: prints swaks' transcript
send() {
	local data=$1
	shift
	swaks --server "127.0.0.1:$smtp_port" --from alice@example.org --to bob@example.lg.jp \
		--data "$data" --timeout 60 "$@" 2>&1
}
# the item id in the final 250/451/554 reply of a transcript
reply_id() { grep -oE '[0-9]{8}T[0-9]{6}-[0-9a-f]{12}' | tail -1; }
# the dump smtp-sink wrote for item ID
dump_of() { grep -l "X-Mugai-Id: $1" "$sink"/* 2>/dev/null | head -1; }
has_dump() { [[ -n $(dump_of "$1") ]]; }

# ---- 1. an HTML mail: delivered as text, the original quarantined
html=$corpus/mail/mikel_content_transfer_encoding_text-html.eml
out=$(send "$html")
id=$(reply_id <<<"$out")
check "HTML mail accepted with 250 naming its item" grep -qE "<-  250 2.0.0 Ok: $id sanitised and delivered" <<<"$out"
wait_until 5 has_dump "$id"
d=$(dump_of "$id")
if [[ -n $d ]]; then
	j=$(inspect "$d")
	check "delivered mail has no text/html part" bash -c '! grep -q "text/html" <<<"$1"' _ "$j"
	check "delivered mail carries X-Mugai-Id and X-Mugai-Verdict: sanitised" \
		grep -q "\"mugai_id\": \"$id\", \"mugai_verdict\": \"sanitised" <<<"$j"
	check "our Received: line names the hop and the item" \
		grep -qE "from [^ ]+ \(\[127.0.0.1\]\) by mugai.test \(mugai\) with ESMTP id $id for <bob@example.lg.jp>" <<<"$j"
	check "the envelope is relayed as received" \
		grep -q "X-Mail-Args: <alice@example.org>" "$d"
	check "the HTML body arrived as text" grep -qi "text/plain" <<<"$j"
else
	ko "the HTML mail reached the next hop"
fi
line=$(item_line "$id")
sha=$(json_field sha256_in <<<"$line")
check "one JSON log line for the item: sanitised, delivered" \
	grep -q '"verdict":"sanitised","status":"ok","outcome":"delivered"' <<<"$line"
check "the quarantine lists the item" grep -q "$id" <<<"$(q list --search "$id")"
blob=$tmp/original.eml
check "the original is stored under its SHA-256" original_out "$sha" "$blob"
check "the stored original is the mail, HTML part and all" grep -q "text/html" "$blob"
check "the stored original's SHA-256 is its key" test "$(sha256sum <"$blob" | cut -c1-64)" = "$sha"
check "the original is in the index's database, not a file (quarantine.store = index)" \
	test ! -e "$gw/quarantine/${sha:0:2}/$sha"

# ---- 2. a macro document attached: rebuilt without VBA
$py - "$corpus/office/oleform-PR314.docm" >"$tmp/docm.eml" <<'EOF'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"], m["To"], m["Subject"] = "alice@example.org", "bob@example.lg.jp", "見積書 macro"
m.set_content("本文です。\n")
m.add_alternative("<html><body><p>本文 <script>alert(1)</script></p></body></html>", subtype="html")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="vnd.ms-word.document.macroEnabled.12", filename="invoice.docm")
sys.stdout.write(m.as_string())
EOF
out=$(send "$tmp/docm.eml")
id=$(reply_id <<<"$out")
check "macro document mail accepted" grep -q "<-  250 2.0.0 Ok: $id sanitised" <<<"$out"
wait_until 5 has_dump "$id"
d=$(dump_of "$id")
j=$( [[ -n $d ]] && inspect "$d")
check "the attachment arrived as .docx" grep -q '"name": "invoice.docx"' <<<"$j"
check "the attachment has no vbaProject.bin" bash -c 'grep -q "word/document.xml" <<<"$1" && ! grep -q "vbaProject" <<<"$1"' _ "$j"
check "no text/html and no script in the delivered mail" bash -c '! grep -qE "text/html|<script" <<<"$1"' _ "$j"
check "the subject arrived decoded intact" grep -q '"subject": "見積書 macro"' <<<"$j"

# ---- 3. blocked whole (larger than policy.max_size): a notice instead
$py -c 'import sys; sys.stdout.write("Subject: big\r\n\r\n" + ("x" * 99 + "\r\n") * 4000)' >"$tmp/big.eml"
out=$(send "$tmp/big.eml")
id=$(reply_id <<<"$out")
check "a mail blocked whole gets 250 (kept, recipients told)" \
	grep -q "<-  250 2.0.0 Ok: $id blocked and quarantined, recipients notified" <<<"$out"
wait_until 5 has_dump "$id"
d=$(dump_of "$id")
j=$( [[ -n $d ]] && inspect "$d")
check "the recipients get a notice with X-Mugai-Verdict: blocked" grep -q '"mugai_verdict": "blocked"' <<<"$j"
check "the notice is in Japanese and English and names the item" \
	bash -c 'grep -q "隔離しました" <<<"$1" && grep -q "A message to you was quarantined" <<<"$1" && grep -q "$2" <<<"$1"' _ "$j" "$id"
check "the notice says why (limit_size)" grep -q "larger than max_size" <<<"$j"
check "the notice carries none of the original's body" bash -c '! grep -q xxxxxxxxxx "$1"' _ "$d"
check "the blocked original is in the quarantine as blocked" \
	grep -qE "$id.*blocked" <<<"$(q list --search "$id")"

# ---- 4. protocol limits and answers
out=$(printf 'EHLO t\r\nVRFY bob\r\nMAIL FROM:<a@b.example> SIZE=2000000\r\nQUIT\r\n' |
	$py -c '
import socket,sys,time
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
s.settimeout(10)
s.sendall(sys.stdin.buffer.read()); time.sleep(1)
d=b""
while True:
    c=s.recv(65536)
    if not c: break
    d+=c
print(d.decode())' "$smtp_port")
check "EHLO offers PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, STARTTLS" \
	bash -c 'for k in PIPELINING "SIZE 1048576" 8BITMIME ENHANCEDSTATUSCODES STARTTLS; do grep -q "250.$k" <<<"$1" || exit 1; done' _ "$out"
check "VRFY answers 252" grep -q "^252 2.5.2" <<<"$out"
check "SIZE over smtp.max_size answers 552" grep -q "^552 5.3.4" <<<"$out"
out=$(send "$html" --to r1@example.lg.jp,r2@example.lg.jp,r3@example.lg.jp,r4@example.lg.jp)
check "the 4th recipient over smtp.max_recipients=3 gets 452" grep -q "<\*\* 452 4.5.3" <<<"$out"

# ---- 5. STARTTLS
out=$($py "$here/lib/send_mail.py" --port "$smtp_port" --tls "$html")
id=$(reply_id <<<"$out")
check "STARTTLS: delivered over TLS" bash -c 'grep -q "^250 2.0.0 Ok: $2 sanitised" <<<"$1" && grep -q "^TLS yes" <<<"$1"' _ "$out" "$id"
wait_until 5 has_dump "$id"
check "the Received: line says ESMTPS" grep -q "with ESMTPS id $id" "$(dump_of "$id")"

# ---- 6. the next hop answers 5xx at the end of data: 554
stop_sink
start_sink "$sink_port" "$sink" -f .
out=$(send "$html")
id=$(reply_id <<<"$out")
check "next hop 5xx: the sender gets 554" grep -qE "<\*\* 554 5\.[0-9.]+ .*\[$id\]" <<<"$out"
check "next hop 5xx: logged as rejected" grep -q '"outcome":"rejected"' <<<"$(item_line "$id")"

# ---- 7. the next hop refuses a recipient with 4xx: 451
stop_sink
start_sink "$sink_port" "$sink" -r rcpt
out=$(send "$html")
id=$(reply_id <<<"$out")
check "next hop 4xx: the sender gets 451" grep -qE "<\*\* 451 4\.[0-9.]+ .*\[$id\]" <<<"$out"

# ---- 8. the next hop down: 451, nothing marked delivered
stop_sink
before=$(ls "$sink" | wc -l)
out=$(send "$html")
id=$(reply_id <<<"$out")
check "next hop down: the sender gets 451 4.4.1" grep -qE "<\*\* 451 4\.4\.1 next hop smtp:127.0.0.1:$sink_port" <<<"$out"
line=$(item_line "$id")
check "next hop down: logged as deferred, the original kept" \
	bash -c 'grep -q "\"outcome\":\"deferred\"" <<<"$1" && grep -q "\"quarantined\":true" <<<"$1"' _ "$line"
check "next hop down: nothing reached any next hop" test "$(ls "$sink" | wc -l)" = "$before"
show=$(q show "$id" 2>&1)
check "next hop down: the quarantine's trail has no delivery" bash -c '! grep -qE "\bdeliver\b" <<<"$1"' _ "$show"
if grep -q deliver_failed <<<"$show"; then
	ok "next hop down: the trail records the failed delivery"
fi

# ---- 9. /metrics
metrics=$(metrics_of "$admin_port")
check "/metrics counts sanitised mail" grep -qE '^mugai_items_total\{channel="mail",verdict="sanitised"\} [1-9]' <<<"$metrics"
check "/metrics counts blocked, deferred and rejected mail" \
	bash -c 'for v in blocked deferred rejected; do grep -qE "^mugai_items_total\{channel=\"mail\",verdict=\"$v\"\} [1-9]" <<<"$1" || exit 1; done' _ "$metrics"
check "/metrics has the latency histogram" grep -qE '^mugai_item_duration_seconds_count\{channel="mail"\} [1-9]' <<<"$metrics"

# ---- 10. a clean stop
pid=$mugaid_pid
stop_mugaid
check "mugaid drains and stops" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
check "every service drained" test "$(grep -c '"msg":"drained, exiting"' "$log")" -ge 4
finish
