#!/usr/bin/env bash
# PPAP unlocked by its recipients on the review UI's /unlock/TOKEN page,
# in headless Chromium (tests/ppap_unlock_e2e.py), against admind under
# mugaid: a zip made now with zip -P is mailed to two recipients; each gets
# a link (mugai quarantine link).  On the first, wrong passwords are
# refused and then rate-limited; on the second the right password opens
# the zip in admind's sandboxed worker and the sanitised mail reaches
# smtp-sink for that recipient only, the download is offered, the item is
# unlocked and the link dead.  A 7z AES-256 file dropped into the inbox
# waits as awaiting_password, its outbox report naming its link, which
# opens it into the outbox.  Then every test password is grepped for in
# the log, the reports, the index, the audit log and every file under the
# quarantine, the outbox and the sink: it is nowhere.  Screenshots go to
# $MUGAI_BUILD/artifacts.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"
src=${MUGAI_SOURCE:-$(cd "$here/../.." && pwd)}

for tool in /usr/bin/chromium /usr/bin/chromedriver swaks smtp-sink zip 7z; do
	command -v "$tool" >/dev/null || { ko "$tool is missing"; finish; exit 1; }
done

# the keys as check-config reads them
check "check-config refuses a public_url that is not http(s)" bash -c \
	"\"$mugai\" check-config -o 'admin.public_url=javascript:alert(1)' 2>&1 | grep -q 'is not http(s)://HOST'"
check "check-config refuses a link_ttl of 0" bash -c \
	"\"$mugai\" check-config -o ppap.link_ttl=0s 2>&1 | grep -q 'ppap.link_ttl: 0 makes'"

sink_port=$(free_port)
sink=$tmp/sink
admin_port=$(free_port)
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=1 \
	-o "admin.public_url=http://127.0.0.1:$admin_port/" -o ppap.link_ttl=1d ||
	{ ko "mugaid starts"; finish; exit 1; }
wait_until 20 bash -c "curl -s -m 2 http://127.0.0.1:$admin_port/healthz | grep -qx ok" ||
	ko "admind answers"

right='Kagi-Web#7731'
wrong='Kagi-Web#7732'
secret_text='PPAP解除ページ 本文 4421'
mkdir -p "$tmp/make"
printf '%s\n' "$secret_text" >"$tmp/make/見積書.txt"
(cd "$tmp/make" && zip -q -P "$right" ppap.zip 見積書.txt) || ko "zip -P"
$py - "$tmp/make/ppap.zip" "$tmp/ppap.eml" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "sato@example.org"
m["To"] = "tanaka@example.lg.jp, suzuki@example.lg.jp"
m["Subject"] = "【見積書送付】パスワード別送"
m.set_content("見積書を送付します。パスワードは別メールでお送りします。\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application", subtype="zip",
                 filename="ppap.zip")
open(sys.argv[2], "wb").write(bytes(m))
PY
out=$(swaks --server "127.0.0.1:$smtp_port" --from sato@example.org \
	--to tanaka@example.lg.jp,suzuki@example.lg.jp --data "$tmp/ppap.eml" --timeout 60 2>&1)
id=$(grep -oE '[0-9]{8}T[0-9]{6}-[0-9a-f]{12}' <<<"$out" | tail -1)
check "the PPAP mail is accepted" test -n "$id"
wait_until 20 bash -c "grep -qs 'X-Mugai-Id: $id' '$sink'/*"

MUGAI_PASSWORD='approver password' "$mugai" user "${gw_opts[@]}" add appr --role approver >/dev/null ||
	ko "user add appr"
MUGAI_PASSWORD='reviewer password' "$mugai" user "${gw_opts[@]}" add rev --role reviewer >/dev/null ||
	ko "user add rev"
link() { MUGAI_PASSWORD='approver password' q link "$1" --recipient "$2" --user appr; }
check "a reviewer issues no link" bash -c "MUGAI_PASSWORD='reviewer password' \"$mugai\" quarantine ${gw_opts[*]@Q} link '$id' --recipient tanaka@example.lg.jp --user rev 2>&1 | grep -q 'approver or admin'"
limit_url=$(link "$id" tanaka@example.lg.jp)
url=$(link "$id" suzuki@example.lg.jp)
check "a link goes only to a recipient of the item" \
	bash -c "MUGAI_PASSWORD='approver password' \"$mugai\" quarantine ${gw_opts[*]@Q} link '$id' --recipient someone@example.com --user appr 2>&1 | grep -q 'not a recipient'"
check "links are made from admin.public_url" \
	bash -c "[[ '$url' =~ ^http://127\.0\.0\.1:$admin_port/unlock/[A-Za-z0-9_-]{32}\$ && '$limit_url' != '$url' ]]"

# a dropped file with a password (7z AES-256), made now
(cd "$tmp/make" && 7z a -bd -y -p"$right" -mem=AES256 aes.zip 見積書.txt >/dev/null) || ko "7z -p"
mkdir -p "$gw/inbox"
cp "$tmp/make/aes.zip" "$gw/inbox/.報告.zip.part" && mv "$gw/inbox/.報告.zip.part" "$gw/inbox/報告.zip"
report=$gw/outbox/報告.zip.report.json
check "the dropped file leaves its report" wait_until 30 test -s "$report"
drop_url=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["gateway"].get("unlock_link",""))' "$report" 2>/dev/null)
drop_id=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["item_id"])' "$report" 2>/dev/null)
check "the report says it awaits its password and names its link" \
	bash -c "grep -q '\"awaiting_password\": true' '$report' && [[ '$drop_url' == http://127.0.0.1:$admin_port/unlock/* ]]"
check "it waits as awaiting_password" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} show '$drop_id' | grep -qE '^status +awaiting_password'"
check "nothing but the report is in the outbox" test "$(ls "$gw/outbox")" = "報告.zip.report.json"

art=$build/artifacts
mkdir -p "$art"
before=$(ls "$sink" | wc -l)
timeout 300 $py "$src/tests/ppap_unlock_e2e.py" --limit-url "$limit_url" --url "$url" \
	--drop-url "$drop_url" --recipient suzuki@example.lg.jp --wrong "$wrong" --right "$right" \
	--download "$tmp/download.eml" --artifacts "$art" | tee "$tmp/e2e.out"
summary=$(tail -n 1 "$tmp/e2e.out")
if [[ $summary =~ ^browser:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
else
	ko "the browser test finished"
fi

# the mail: to suzuki only, the zip opened and sanitised
wait_until 20 bash -c "grep -qs 'X-Mugai-Unlocked: $id; by recipient:suzuki@example.lg.jp' '$sink'/*"
got=$(grep -l "X-Mugai-Unlocked: $id" "$sink"/* 2>/dev/null)
check "one unlocked mail reached smtp-sink" test "$(wc -w <<<"$got")" = 1
check "for that recipient only" bash -c "grep -q '^X-Rcpt-Args: <suzuki@example.lg.jp>' '$got' && ! grep -q 'tanaka@example.lg.jp>' <(grep '^X-Rcpt-Args' '$got')"
check "nothing else was sent" test "$(ls "$sink" | wc -l)" = "$((before + 1))"
for f in "$got" "$tmp/download.eml"; do
	$py - "$f" "$secret_text" <<'PY' && ok "the zip arrives opened and sanitised (${f##*/})" || ko "the zip arrives opened and sanitised (${f##*/})"
import email, io, sys, zipfile
raw = open(sys.argv[1], "rb").read()
at = raw.find(b"X-Mugai-Unlocked")
if at >= 0:
    raw = raw[raw.index(b"\n", at) + 1:]
m = email.message_from_bytes(raw)
zips = [p for p in m.walk() if (p.get_filename() or "").endswith(".zip")]
assert len(zips) == 1, [p.get_content_type() for p in m.walk()]
z = zipfile.ZipFile(io.BytesIO(zips[0].get_payload(decode=True)))
assert not any(i.flag_bits & 1 for i in z.infolist()), "still encrypted"
assert sys.argv[2] in b"".join(z.read(i) for i in z.infolist()).decode(), "text lost"
assert m["X-Mugai-Id"], "not through the sanitiser"
PY
done
show=$(q show "$id")
check "the item is unlocked by the recipient" grep -qE '^status +unlocked' <<<"$show"
check "five wrong tries are audited, never the password" \
	test "$(grep -cE 'recipient:tanaka@example.lg.jp +unlock_failed .*candidates=1 outcome=wrong password link=' <<<"$show")" = 5
check "the link's issuer is audited" grep -qE 'appr +unlock_link .*recipient=suzuki@example.lg.jp link=' <<<"$show"
check "the unlock is audited" grep -qE 'recipient:suzuki@example.lg.jp +unlock .*outcome=sanitised contents delivered to suzuki@example.lg.jp' <<<"$show"

# the dropped file: opened into the outbox
$py - "$gw/outbox/報告.zip" "$secret_text" <<'PY' && ok "the outbox file is opened and sanitised" || ko "the outbox file is opened and sanitised"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert not any(i.flag_bits & 1 for i in z.infolist()), "still encrypted"
assert sys.argv[2] in b"".join(z.read(i) for i in z.infolist()).decode(), "text lost"
PY
check "the dropped file is unlocked" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} show '$drop_id' | grep -qE '^status +unlocked'"
metrics=$(curl -s -m 5 "http://127.0.0.1:$admin_port/metrics")
check "admind counts the unlocks and the wrong passwords" bash -c \
	"grep -qE '^mugai_ppap_total\{(.*,)?outcome=\"unlocked\"(,.*)?\} 2\$' <<<\"\$1\" && grep -qE '^mugai_ppap_total\{(.*,)?outcome=\"failed\"(,.*)?\} 5\$' <<<\"\$1\"" _ "$metrics" ||
	grep '^mugai_ppap_total' <<<"$metrics"
check "the chain and the index agree" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} verify --blobs | grep -q 'index agrees'"

# no password anywhere: logs, reports, index, audit, quarantine, outbox, sink
printf 'typed: %s\n' "$right" >"$tmp/probe"
check "the grep would find a password" grep -qF -- "$right" "$tmp/probe"
for pw in "$right" "$wrong"; do
	hits=$(grep -rlaF -- "$pw" "$gw" "$sink" "$tmp/download.eml" 2>/dev/null)
	check "password '${pw:0:6}…' in no log, report, index or file" test -z "$hits"
	[[ -z $hits ]] || echo "     found in: $hits"
	dump=$(sqlite3 "$gw/quarantine/index.db" .dump 2>/dev/null)
	check "password '${pw:0:6}…' in no index row or audit entry" bash -c "! grep -qF -- '$pw' <<<\"\$1\"" _ "$dump"
done
finish
