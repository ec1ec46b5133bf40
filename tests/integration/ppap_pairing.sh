#!/usr/bin/env bash
# PPAP paired automatically through mugaid and smtp-sink: zips made now
# with zip -P (ZipCrypto) and 7z -p (AES-256), each mailed with its
# password in a second mail from the same sender (lib/ppap_pairs.py: 12
# phrasings in UTF-8, ISO-2022-JP and Shift_JIS, in the body, the subject,
# HTML only, full-width, after 「」【】『』, on the line after the keyword,
# the password mail before and after the zip; two zips with different
# passwords in one window).  Two smtpd processes share the waiting
# candidates.  Every zip mail is delivered at once without the zip; the
# zip is opened in the sandbox and arrives in a follow-up whose attached
# mail went through the sanitiser; the item is unlocked with unlocked_by
# naming the password mail; the audit names the source and the count.  A
# wrong password and a password mail from another sender open nothing:
# after ppap.window the recipients get a last notice and the original is
# quarantined for review.  A zip bomb behind a password stays a bomb.  The
# metrics count it all.  Finally no test password is in any log line,
# report, index row, audit entry or quarantine file but the password
# mail's own original (and, for a password in a subject, the subject).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

window=12
sink_port=$(free_port)
sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=2 \
	-o "ppap.window=${window}s" -o admin.public_url=https://mugai.test/review \
	-o ppap.mask_password=yes || { ko "mugaid starts"; finish; exit 1; }
work=$tmp/work
mkdir -p "$work"
sent=$work/sent.txt

$py "$here/lib/ppap_pairs.py" "$smtp_port" "$work" early >>"$sent" || ko "the early cases are sent"
t_early=$(date +%s)
$py "$here/lib/ppap_pairs.py" "$smtp_port" "$work" pairs >>"$sent" || ko "the pairs are sent"
id_of() { awk -v c="$1" -v k="$2" '$1 == c && $2 == k { print $3 }' "$sent"; }
secret_of() { awk -v c="$1" '$1 == c && $2 == "zip" { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' "$sent"; }
status_of() { q show "$1" | awk '$1 == "status" { print $2 }'; }
check "every mail was accepted with an item id" bash -c "[[ \$(grep -c ' none ' '$sent') == 0 && \$(wc -l <'$sent') -ge 30 ]]"

cases="utf8body jis sjis subject html fullwidth nextline before jissubj kagi ascii sjishtml twoA twoB"
for c in $cases; do
	zid=$(id_of "$c" zip)
	pid=$(id_of "$c" pw)
	wait_until 20 bash -c "grep -qs 'X-Mugai-PPAP: $zid; unlocked' '$sink'/*"
	got=$(grep -ls "X-Mugai-PPAP: $zid; unlocked" "$sink"/* | head -1)
	if [[ -z $got ]]; then
		ko "$c: the opened attachment follows"
		continue
	fi
	$py - "$got" "$(secret_of "$c")" "$pid" "$c.zip" <<'PY' && ok "$c: the attachment follows opened and sanitised, naming the password mail" || ko "$c: the attachment follows opened and sanitised, naming the password mail"
import email, io, sys, zipfile
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw)
parts = list(m.walk())
text = [p for p in parts if p.get_content_type() == "text/plain"][0].get_payload(decode=True).decode()
assert sys.argv[3] in text, "the notice does not name the password mail"
inner = [p for p in parts if p.get_content_type() == "message/rfc822"][0].get_payload()[0]
assert inner["X-Mugai-Id"], "the attached mail did not go through the sanitiser"
zips = [p for p in inner.walk() if (p.get_filename() or "").endswith(".zip")]
assert len(zips) == 1, [p.get_content_type() for p in inner.walk()]
z = zipfile.ZipFile(io.BytesIO(zips[0].get_payload(decode=True)))
assert z.infolist() and not any(i.flag_bits & 1 for i in z.infolist()), "still encrypted"
body = b"".join(z.read(i) for i in z.infolist()).decode("utf-8", "replace")
assert sys.argv[2] in body, body
PY
	show=$(q show "$zid")
	check "$c: unlocked by the password mail" bash -c "grep -qE '^status +unlocked' <<<\"\$1\" && grep -q '\"unlocked_by\": \"mail:$pid\"' <<<\"\$1\"" _ "$show"
	check "$c: the unlock is audited with its source" bash -c "grep -qE 'system:mail +unlock +$zid +(\[[^]]*\] +)?source=mail:$pid candidates=[0-9]+ outcome=opened' <<<\"\$1\"" _ "$show"
	first=$(grep -Ls "X-Mugai-PPAP:" $(grep -ls "X-Mugai-Id: $zid" "$sink"/*) | head -1)
	check "$c: the zip mail was delivered at once without the zip" bash -c "[[ -n '$first' ]] && ! grep -q 'filename=\"\?$c.zip' '$first'"
	[[ -n $first ]] && $py - "$first" "$c.zip" <<'PY' && ok "$c: its notice says the attachment will follow" || ko "$c: its notice says the attachment will follow"
import email, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
t = [p for p in m.walk() if p.get_content_type() == "text/plain"][0].get_payload(decode=True).decode()
assert sys.argv[2] in t and "will follow, opened and sanitised" in t and "パスワードのメールが届きしだい" in t, t
PY
	pwcopy=$(grep -Ls "X-Mugai-PPAP:" $(grep -ls "X-Mugai-Id: $pid" "$sink"/*) | head -1)
	pw=$(awk -v c="$c" '$1 == c && $2 == "pw" { print $4 }' "$sent")
	[[ -n $pwcopy ]] && $py - "$pwcopy" "$pw" <<'PY' && ok "$c: the password mail is delivered with its password masked" || ko "$c: the password mail is delivered with its password masked"
import email, email.header, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
t = [p for p in m.walk() if p.get_content_type() == "text/plain"][0].get_payload(decode=True).decode()
assert sys.argv[2] not in subj and sys.argv[2] not in t, (subj, t)
assert "***" in subj + t or "＊＊＊" in t, t
PY
done
pid_of() { grep "\"item\":\"$1\"" "$log" | grep '"event":"item"' | head -1 | grep -o '"pid":[0-9]*'; }
for c in before jissubj; do
	a=$(pid_of "$(id_of "$c" pw)") b=$(pid_of "$(id_of "$c" zip)")
	check "$c: the password mail and its zip went through different smtpd processes" bash -c "[[ -n '$a' && -n '$b' && '$a' != '$b' ]]"
done
check "two zips in one window: the first password was tried on both" bash -c "grep -qE 'unlock_failed .*source=mail:$(id_of twoA pw)' <<<\"\$1\"" _ "$(q show "$(id_of twoB zip)")"

# the cases that never open: waiting, then expired with a last notice
for c in wrong other; do
	zid=$(id_of "$c" zip)
	check "$c: never unlocked, no follow-up" bash -c "! grep -qs 'X-Mugai-PPAP: $zid; unlocked' '$sink'/*"
done
check "wrong: the failed try is audited" bash -c "grep -qE 'unlock_failed .*source=mail:$(id_of wrong pw) candidates=1 outcome=no candidate' <<<\"\$1\"" _ "$(q show "$(id_of wrong zip)")"
lid=$(id_of wrong zip)
link=$(grep -ls "X-Mugai-PPAP: $lid; link" "$sink"/* | head -1)
check "a waiting zip's recipient got an unlock link" bash -c "[[ -n '$link' ]] && $py -c 'import email,sys; m=email.message_from_bytes(open(sys.argv[1],\"rb\").read()); t=m.get_payload(decode=True).decode(); assert \"https://mugai.test/review/unlock/\" in t and \"$lid\" in t' '$link'"
check "other sender: no try at all" bash -c "! grep -q 'unlock_failed' <<<\"\$1\"" _ "$(q show "$(id_of other zip)")"
left=$((t_early + window + 8 - $(date +%s)))
((left > 0)) && sleep "$left"
for c in wrong other; do
	zid=$(id_of "$c" zip)
	wait_until 15 bash -c "grep -qs 'X-Mugai-PPAP: $zid; expired' '$sink'/*"
	check "$c: the recipients got a last notice" bash -c "grep -qs 'X-Mugai-PPAP: $zid; expired' '$sink'/*"
	check "$c: the original stays quarantined for review" test "$(status_of "$zid")" = quarantined
	check "$c: the expiry is audited" bash -c "grep -q 'password_expired' <<<\"\$1\"" _ "$(q show "$zid")"
done

# the bomb: opened with its password, still blocked as a bomb
bid=$(id_of bomb zip)
check "bomb: never delivered opened" bash -c "! grep -qs 'X-Mugai-PPAP: $bid; unlocked' '$sink'/*"
check "bomb: the try says it is still a bomb" bash -c "grep -qE 'unlock_failed .*still blocked: limit_(ratio|size)' <<<\"\$1\"" _ "$(q show "$bid")"
check "nothing delivered larger than a sanitised mail" bash -c "! find '$sink' -type f -size +2M | grep -q ."
check "every delivered mail went through mugai" bash -c "for f in '$sink'/*; do grep -qE '^X-Mugai-(Id|PPAP):' \"\$f\" || exit 1; done"

metrics=$(curl -s "http://127.0.0.1:$admin_port/metrics")
check "metrics: unlocked counted" bash -c "grep -qE '^mugai_ppap_total\\{([^}]*,)?outcome=\"unlocked\"\\} (1[4-9]|[2-9][0-9])' <<<\"\$1\"" _ "$metrics"
check "metrics: paired, failed and expired counted" bash -c "grep -qE '^mugai_ppap_total\\{([^}]*,)?outcome=\"paired\"\\} (1[7-9]|[2-9][0-9])' <<<\"\$1\" && grep -qE '^mugai_ppap_total\\{([^}]*,)?outcome=\"failed\"\\} [1-9]' <<<\"\$1\" && grep -qE '^mugai_ppap_total\\{([^}]*,)?outcome=\"expired\"\\} [2-9]' <<<\"\$1\"" _ "$metrics"

# no password anywhere but in the password mails' own originals and,
# for the passwords written in a subject, where that subject is shown
check "the chain and the index agree" bash -c "grep -q 'index agrees' <<<\"\$1\"" _ "$(q verify --blobs)"
allowed=$(for c in $(awk '$2 == "pw" { print $1 }' "$sent" | sort -u); do
	for id in $(id_of "$c" pw); do q show "$id" | awk '$1 == "original" { print $NF }'; done
done | paste -sd'|')
stop_mugaid
check "the grep would find a password" bash -c "grep -qF -- 'Kx7pQ2zT' '$work/passwords.txt'"
# the index without the originals' chunk rows, which are checked apart
db=$gw/quarantine/index.db
dump=$(for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'mq_chunks'"); do
	sqlite3 "$db" ".dump $t"
done 2>/dev/null)
audit=$(sqlite3 "$gw/quarantine/index.db" "SELECT * FROM mq_audit" 2>/dev/null)
check "the audit chain was read" test -n "$audit"
bad=""
while read -r pw; do
	[[ -z $pw ]] && continue
	grep -qF -- "$pw" <<<"$audit" && bad+=" audit:$pw"
	case $pw in Sb61ct99 | Js8subjA) continue ;; esac # shown in its mail's subject
	hits=$(grep -rlaF -- "$pw" "$gw" 2>/dev/null | grep -vE "/($allowed)\$" |
		grep -vE '/index\.db(-wal|-shm)?$')
	[[ -n $hits ]] && bad+=" $pw:$hits"
	grep -qF -- "$pw" <<<"$dump" && bad+=" index:$pw"
	# an original holding it: only a password mail's own
	chunks=$(sqlite3 "$db" "SELECT DISTINCT sha256 FROM mq_chunks WHERE instr(data, CAST('$pw' AS BLOB)) > 0" |
		grep -vE "^($allowed)\$")
	[[ -n $chunks ]] && bad+=" original:$pw:$chunks"
done < <(sort -u "$work/passwords.txt")
check "no password in a log line, report, index row, audit entry or quarantine file" test -z "$bad"
[[ -z $bad ]] || echo "     found:$bad"
finish
