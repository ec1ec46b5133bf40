#!/usr/bin/env bash
# PPAP through the daemon, unlocked from the CLI: a zip made now with
# zip -P is mailed through mugaid (the mail is delivered sanitised without
# the zip, which the report names as encrypted; the original is kept),
# then `mugai quarantine unlock` is refused to a reviewer, tries a wrong
# password (the item stays, the attempt is audited as failed) and the
# right one: the sanitised mail with the opened attachment reaches
# smtp-sink, the item is unlocked, the audit entry names the source and
# the count, a second unlock is refused.  A 7z AES-256 file kept as
# encrypted unlocks into drop.outbox.  Finally every test password is
# grepped for in the log, the CLI's output, the index and every file
# under the quarantine: it is nowhere but in the mail's own original.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

sink_port=$(free_port)
sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=1 -o ppap.enabled=no ||
	{ ko "mugaid starts"; finish; exit 1; }

right='Ppap-Kagi#2024'
wrong='Ppap-Kagi#2025'
secret_text='会議資料 PPAP本文 0815'
mkdir -p "$tmp/make"
printf '%s\n' "$secret_text" >"$tmp/make/議事録.txt"
(cd "$tmp/make" && zip -q -P "$right" ppap.zip 議事録.txt) || ko "zip -P"
check "the zip is encrypted" bash -c "! unzip -p -P '' '$tmp/make/ppap.zip' 2>/dev/null | grep -q PPAP"

$py - "$tmp/make/ppap.zip" "$tmp/ppap.eml" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "sato@example.org"
m["To"] = "tanaka@example.lg.jp"
m["Subject"] = "【資料送付】議事録"
m.set_content("議事録を送付します。パスワードは別途お送りします。\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application", subtype="zip",
                 filename="ppap.zip")
open(sys.argv[2], "wb").write(bytes(m))
PY
out=$(swaks --server "127.0.0.1:$smtp_port" --from sato@example.org --to tanaka@example.lg.jp \
	--data "$tmp/ppap.eml" --timeout 60 2>&1)
id=$(grep -oE '[0-9]{8}T[0-9]{6}-[0-9a-f]{12}' <<<"$out" | tail -1)
check "mail accepted with an item id" test -n "$id"
wait_until 20 bash -c "grep -qs 'X-Mugai-Id: $id' '$sink'/*"
notice=$(grep -l "X-Mugai-Id: $id" "$sink"/* 2>/dev/null | head -1)
check "the recipients got the mail without the zip" bash -c "[[ -n '$notice' ]] && ! grep -q 'filename=\"\?ppap.zip' '$notice'"
check "the original is kept" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} list | grep -qE '^$id .* quarantined'"
check "its report names the encrypted zip" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} show '$id' | grep -q '\"status\": \"encrypted\"'"

# users: an approver who unlocks, a reviewer who may not
MUGAI_PASSWORD='approver password' "$mugai" user "${gw_opts[@]}" add appr --role approver >/dev/null ||
	ko "user add appr"
MUGAI_PASSWORD='reviewer password' "$mugai" user "${gw_opts[@]}" add rev --role reviewer >/dev/null ||
	ko "user add rev"
printf 'nope\n%s\n' "$wrong" >"$tmp/wrong.txt"
printf '\xef\xbb\xbfnope\r\n%s\r\n' "$right" >"$tmp/right.txt"
before=$(ls "$sink" | wc -l)
cli_out=$tmp/cli.out

MUGAI_PASSWORD='reviewer password' q unlock "$id" --candidates "$tmp/right.txt" --user rev >>"$cli_out" 2>&1
rc=$?
check "a reviewer may not unlock" bash -c "[[ $rc == 1 ]] && grep -q 'unlocking needs the approver or admin role' '$cli_out'"

MUGAI_PASSWORD='approver password' q unlock "$id" --candidates "$tmp/wrong.txt" --user appr >>"$cli_out" 2>&1
rc=$?
check "wrong password: refused" bash -c "[[ $rc == 1 ]] && grep -q 'no candidate opened it; it stays quarantined' '$cli_out'"
check "wrong password: still quarantined" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} show '$id' | grep -qE '^status +quarantined'"
check "wrong password: nothing delivered" test "$(ls "$sink" | wc -l)" = "$before"
check "wrong password: audited as failed" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} show '$id' | grep -qE 'appr +unlock_failed .*source=cli candidates=2 outcome=no candidate opened it'"

MUGAI_PASSWORD='approver password' q unlock "$id" --candidates "$tmp/right.txt" --user appr >>"$cli_out" 2>&1
rc=$?
check "right password: unlocked" bash -c "[[ $rc == 0 ]] && grep -q '$id: unlocked; sanitised contents delivered to tanaka@example.lg.jp' '$cli_out'"
wait_until 20 bash -c "grep -qs 'X-Mugai-Unlocked: $id; by appr' '$sink'/*"
got=$(grep -l "X-Mugai-Unlocked: $id; by appr" "$sink"/* 2>/dev/null | head -1)
check "the sanitised mail reached smtp-sink" test -n "$got"
# the opened attachment, sanitised: a zip without encryption holding the text
$py - "$got" "$secret_text" "$tmp/check.txt" <<'PY' && ok "the attachment arrives opened and sanitised" || ko "the attachment arrives opened and sanitised"
import email, io, sys, zipfile
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw[raw.index(b"\n", raw.index(b"X-Mugai-Unlocked")) + 1:])
zips = [p for p in m.walk() if (p.get_filename() or "").endswith(".zip")]
assert len(zips) == 1, [p.get_content_type() for p in m.walk()]
z = zipfile.ZipFile(io.BytesIO(zips[0].get_payload(decode=True)))
infos = z.infolist()
assert infos and not any(i.flag_bits & 1 for i in infos), "still encrypted"
text = b"".join(z.read(i) for i in infos).decode("utf-8", "replace")
assert sys.argv[2] in text, text
assert m["X-Mugai-Id"], "not a mail that went through the sanitiser"
PY
check "status unlocked, decided by appr" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} show '$id' | grep -qE '^status +unlocked'"
check "the unlock is audited" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} show '$id' | grep -qE 'appr +unlock +$id +(\[[^]]*\] +)?source=cli candidates=2 outcome=sanitised contents delivered'"
MUGAI_PASSWORD='approver password' q unlock "$id" --candidates "$tmp/right.txt" --user appr >>"$cli_out" 2>&1
rc=$?
check "a second unlock is refused" bash -c "[[ $rc == 1 ]] && grep -q 'is unlocked; it cannot be unlocked' '$cli_out'"
check "the chain and the index agree" bash -c "\"$mugai\" quarantine ${gw_opts[*]@Q} verify --blobs | grep -q 'index agrees'"

# a file kept as encrypted (7z AES-256 made now) unlocks into drop.outbox
(cd "$tmp/make" && 7z a -bd -y -p"$right" -mem=AES256 aes.zip 議事録.txt >/dev/null) || ko "7z -p"
file_id=$(q import "$tmp/make/aes.zip" --channel file --name "報告.zip" | awk '$2 == "encrypted" {print $1}')
check "an encrypted file is kept as encrypted" test -n "$file_id"
MUGAI_PASSWORD='approver password' q unlock "$file_id" --candidates "$tmp/right.txt" --user appr >>"$cli_out" 2>&1
rc=$?
check "the file unlocks into the outbox" bash -c "[[ $rc == 0 ]] && grep -q '$file_id: unlocked; sanitised file written to drop.outbox' '$cli_out'"
$py - "$gw/outbox/報告.zip" "$secret_text" <<'PY' && ok "the outbox file is opened and sanitised" || ko "the outbox file is opened and sanitised"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert not any(i.flag_bits & 1 for i in z.infolist()), "still encrypted"
assert sys.argv[2] in b"".join(z.read(i) for i in z.infolist()).decode(), "text lost"
PY

# no password anywhere but in the mail's own original (kept unaltered)
orig_sha=$(sha256sum "$tmp/ppap.eml" | cut -c1-64)
# the grep finds a password where one is: the candidate files
check "the grep would find a password" bash -c "grep -qF -- '$right' '$tmp/right.txt' && grep -qF -- '$wrong' '$tmp/wrong.txt'"
for pw in "$right" "$wrong"; do
	hits=$(grep -rlaF -- "$pw" "$gw" "$cli_out" 2>/dev/null | grep -v "/$orig_sha\$")
	check "password '${pw:0:6}…' in no log, report, index or file" test -z "$hits"
	[[ -z $hits ]] || echo "     found in: $hits"
	dump=$(sqlite3 "$gw/quarantine/index.db" .dump 2>/dev/null)
	check "password '${pw:0:6}…' in no index row or audit entry" bash -c "! grep -qF -- '$pw' <<<\"\$1\"" _ "$dump"
done
finish
