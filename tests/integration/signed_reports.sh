#!/usr/bin/env bash
# Signed reports end to end: `mugai keygen` makes the key (0600, the
# public half beside it and on stdout); mugaid with report.signing_key
# sanitises a mail (and a dropped file, whose outbox report verifies with
# the artefact beside it); its report (from the quarantine) and its artefact
# (the delivered mail, and the bytes after X-Mugai-Report) verify offline
# with `mugai report verify` and the public key alone; one byte changed in
# any field of the report, one byte of the artefact, or another key, and
# they do not.  The canonical form is reproduced independently (Python's
# json) and hashes to the report-sha256 the header quotes.  With
# policy.report_part = attach the report travels as a JSON part and the
# mail still verifies.  A delivered mail sent back is recognised by its
# signed marker (the report says so, the artefact does not grow); a
# forged marker is not trusted.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"
samples=$(cd "$here/../../samples" && pwd)

key=$tmp/keys/report.key
mkdir -p "$tmp/keys"
chmod 755 "$tmp/keys"

# ---- keygen
pub=$("$mugai" keygen --out "$key" 2>"$tmp/keygen.err")
check "keygen prints the public key" grep -qE '^[0-9a-f]{64}$' <<<"$pub"
check "the public key is written beside the secret" test "$(cat "$key.pub")" = "$pub"
check "the secret key is mode 0600" test "$(stat -c %a "$key")" = 600
# the user mugaid's services run as: mugai, or nobody where mugai was never made
runs_as=$(id -u mugai >/dev/null 2>&1 && echo mugai || echo nobody)
check "the secret key belongs to the user mugaid runs as" test "$(stat -c %U "$key")" = "$runs_as"
check "keygen says so when that user is nobody" \
	bash -c '[ "$1" = mugai ] || grep -q "user mugai does not exist: the key belongs to nobody" "$2"' _ "$runs_as" "$tmp/keygen.err"
check "the secret key is 64 bytes in hex" grep -qE '^[0-9a-f]{128}$' "$key"
before=$(sha256sum "$key")
check "keygen never overwrites a key" bash -c '! "$1" keygen --out "$2" >/dev/null 2>&1' _ "$mugai" "$key"
check "the key is unchanged after the refusal" test "$(sha256sum "$key")" = "$before"
"$mugai" keygen --out "$tmp/keys/other.key" >/dev/null 2>&1

# ---- check-config
cp "$key" "$tmp/keys/loose.key"
chmod 644 "$tmp/keys/loose.key"
check "check-config refuses a signing key others can read" \
	bash -c '"$1" check-config -o "report.signing_key=$2" 2>&1 | grep -q "report.signing_key: .*chmod 600"' _ "$mugai" "$tmp/keys/loose.key"
printf 'not a key\n' >"$tmp/keys/bad.key"
chmod 600 "$tmp/keys/bad.key"
check "check-config refuses a file that is not a key" \
	bash -c '"$1" check-config -o "report.signing_key=$2" 2>&1 | grep -q "report.signing_key: .*not an Ed25519"' _ "$mugai" "$tmp/keys/bad.key"
check "check-config takes the key made by keygen" \
	bash -c '"$1" check-config -o "report.signing_key=$2" >/dev/null' _ "$mugai" "$key"
# a copy made by root stays root's: the services could not read it
cp "$key" "$tmp/keys/roots.key"
chown root: "$tmp/keys/roots.key"
check "check-config refuses a key the services' user cannot read, and says to chown it" \
	bash -c '"$1" check-config -o "report.signing_key=$2" 2>&1 | grep -q "run as $3 and could not read it: chown $3 "' _ "$mugai" "$tmp/keys/roots.key" "$runs_as"
check "mugaid -t refuses it too, saying why" \
	bash -c 'out=$("$1" -t -o "report.signing_key=$2" 2>&1); [ $? -ne 0 ] && grep -q "chown $3 " <<<"$out"' _ "$mugaid" "$tmp/keys/roots.key" "$runs_as"

mail=$gw/mail
mkdir -p "$gw/inbox"
chmod 777 "$gw" "$gw/inbox"
start_mugaid -o "relay.next_hop=dir:$mail" -o workers.count=1 -o "report.signing_key=$key" \
	-o policy.max_size=400K || { ko "mugaid starts"; finish; exit 1; }

send() {
	swaks --server "127.0.0.1:$smtp_port" --from alice@example.org --to bob@example.lg.jp \
		--data "$1" --timeout 60 2>&1
}
# as the bytes are (swaks adds an empty line at the end)
send_raw() { $py "$here/lib/send_mail.py" --port "$smtp_port" --to bob@example.lg.jp "$1" 2>&1; }
reply_id() { grep -oE '[0-9]{8}T[0-9]{6}-[0-9a-f]{12}' | tail -1; }
delivered() { ls "$mail"/"$1"*.eml 2>/dev/null | head -1; }
# the stored report of item ID into FILE
report_of() { q show "$1" --json | $py -c 'import json,sys; json.dump(json.load(sys.stdin)["report"], open(sys.argv[1], "w"), ensure_ascii=False, indent=1)' "$2"; }
verify() { "$mugai" report verify --public-key "$key.pub" "$@" >/dev/null 2>"$tmp/verify.err"; }
# exit status of verify: 0 verified, 2 not
verify_rc() { verify "$@"; echo $?; }

# ---- a mail with an attachment that is removed (multipart artefact)
out=$(send "$samples/04-csv-and-exe.eml")
id=$(reply_id <<<"$out")
check "the mail is accepted" grep -q "250 2.0.0 Ok: $id sanitised" <<<"$out"
wait_until 10 bash -c "ls '$mail'/$id*.eml >/dev/null 2>&1"
d=$(delivered "$id")
report_of "$id" "$tmp/r1.json"
check "the report verifies with the public key" test "$(verify_rc "$tmp/r1.json")" = 0
check "the report and the delivered mail verify" test "$(verify_rc "$tmp/r1.json" "$d")" = 0
# the artefact: what follows X-Mugai-Report
$py - "$d" "$tmp/art1.eml" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
m = re.search(rb"^X-Mugai-Report:.*?\r\n(?![ \t])", raw, re.M | re.S)
open(sys.argv[2], "wb").write(raw[m.end():])
PY
check "the artefact alone verifies" test "$(verify_rc "$tmp/r1.json" "$tmp/art1.eml")" = 0
check "the artefact's SHA-256 is the report's output.sha256" test \
	"$(sha256sum <"$tmp/art1.eml" | cut -c1-64)" = \
	"$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["output"]["sha256"])' "$tmp/r1.json")"
check "the report names its parts: input, output, policy bank, settings hash, versions, sandbox, timings" \
	$py - "$tmp/r1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["input"]["sha256"]) == 64 and len(r["output"]["sha256"]) == 64
assert r["policy"]["bank"] == "default" and len(r["policy"]["settings_sha256"]) == 64
for lib in ("mugai", "gmime", "poppler", "libarchive", "libmagic", "libxml2", "glib"):
    assert r["versions"][lib], lib
assert "seccomp" in r["sandbox"]["profile"] and r["sandbox"]["wall_seconds"] > 0
assert set(r["timings_ms"]) >= {"malware_scan", "sanitise", "core"}
assert r["signature"]["algorithm"] == "ed25519" and len(r["signature"]["value"]) == 128
PY
check "the header's report-sha256 is the canonical form's, made independently by Python" \
	$py - "$tmp/r1.json" "$d" "$id" <<'PY'
import hashlib, json, re, sys
r = json.load(open(sys.argv[1]))
del r["signature"]
canon = json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
raw = open(sys.argv[2], "rb").read()
m = re.search(rb"^X-Mugai-Report: ([^;]+);\r\n\treport-sha256=([0-9a-f]{64}); artefact-sha256=([0-9a-f]{64}); part=none;\r\n\tsig=[0-9a-f]{128}\r\n", raw, re.M)
assert m, "no X-Mugai-Report"
assert m.group(1).decode() == sys.argv[3]
assert m.group(2).decode() == hashlib.sha256(canon).hexdigest(), "canonical form differs"
PY

# one byte changed in each field: every leaf of the report, one at a time
$py - "$tmp/r1.json" "$tmp/tamper" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
os.makedirs(sys.argv[2])
n = 0
def leaves(v, path):
    if isinstance(v, dict):
        for k in v:
            yield from leaves(v[k], path + [k])
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from leaves(x, path + [i])
    else:
        yield path
for path in leaves(r, []):
    if path[0] == "signature" and path[-1] in ("public_key",):
        continue  # names the key only: not part of what is signed
    t = json.loads(json.dumps(r))
    o = t
    for k in path[:-1]:
        o = o[k]
    v = o[path[-1]]
    if isinstance(v, bool):
        o[path[-1]] = not v
    elif isinstance(v, int):
        o[path[-1]] = v ^ 1
    elif isinstance(v, str) and v:
        c = v[-1]
        o[path[-1]] = v[:-1] + ("0" if c != "0" else "1")
    elif v is None:
        o[path[-1]] = 0
    else:
        o[path[-1]] = "x"
    n += 1
    json.dump(t, open(os.path.join(sys.argv[2], "%03d.json" % n), "w"), ensure_ascii=False, indent=1)
print(n)
PY
ntamper=$(ls "$tmp/tamper" | wc -l)
rejected=0
for f in "$tmp"/tamper/*.json; do
	[[ $(verify_rc "$f") == 2 ]] && rejected=$((rejected + 1))
done
check "each of the $ntamper fields changed by one byte is rejected ($rejected)" test "$rejected" -eq "$ntamper" -a "$ntamper" -gt 40
# one byte of the report file's text
$py - "$tmp/r1.json" "$tmp/r1-byte.json" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b'"sha256": "') + 11
b[i] = ord("0") if b[i] != ord("0") else ord("1")
open(sys.argv[2], "wb").write(b)
PY
check "one byte of the report file changed: rejected" test "$(verify_rc "$tmp/r1-byte.json")" = 2
check "the reason is named" grep -q "signature does not match" "$tmp/verify.err"
# one byte of the artefact
$py -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[len(b)//2]^=1; open(sys.argv[2],"wb").write(b)' "$tmp/art1.eml" "$tmp/art1-bad.eml"
check "an artefact with one byte changed: rejected" test "$(verify_rc "$tmp/r1.json" "$tmp/art1-bad.eml")" = 2
check "the reason is named" grep -q "not the one the report signs" "$tmp/verify.err"
$py -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); i=len(b)-200; b[i]^=1; open(sys.argv[2],"wb").write(b)' "$d" "$tmp/d1-bad.eml"
check "a delivered mail with one byte changed: rejected" test "$(verify_rc "$tmp/r1.json" "$tmp/d1-bad.eml")" = 2
check "another artefact: rejected" test "$(verify_rc "$tmp/r1.json" "$samples/04-csv-and-exe.eml")" = 2
check "another key: rejected" bash -c '"$1" report verify --public-key "$2" "$3" >/dev/null 2>&1; [[ $? == 2 ]]' _ "$mugai" "$tmp/keys/other.key.pub" "$tmp/r1.json"
check "the configured key's .pub is the default" bash -c '"$1" report verify -o "report.signing_key=$2" "$3" "$4" >/dev/null' _ "$mugai" "$key" "$tmp/r1.json" "$d"

# ---- a mail blocked whole: its notice names the signed report
$py - "$tmp/big.eml" <<'PY'
import sys
body = "\r\n".join("x" * 76 for _ in range(7000))
open(sys.argv[1], "w", newline="").write("From: a@example.org\r\nTo: b@example.lg.jp\r\nSubject: big\r\n\r\n" + body + "\r\n")
PY
out=$(send "$tmp/big.eml")
bid=$(reply_id <<<"$out")
wait_until 10 bash -c "ls '$mail'/$bid*.eml >/dev/null 2>&1"
report_of "$bid" "$tmp/rb.json"
check "a blocked mail's report is signed too" test "$(verify_rc "$tmp/rb.json")" = 0
check "its notice carries X-Mugai-Report naming that report (part=notice, no marker)" \
	$py - "$tmp/rb.json" "$(delivered "$bid")" "$bid" <<'PY'
import hashlib, json, re, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "blocked" and r["output"] is None
del r["signature"]
canon = json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
raw = open(sys.argv[2], "rb").read()
m = re.search(rb"^X-Mugai-Report: ([^;]+);\r\n\treport-sha256=([0-9a-f]{64}); part=notice\r\n", raw, re.M)
assert m and m.group(1).decode() == sys.argv[3]
assert m.group(2).decode() == hashlib.sha256(canon).hexdigest()
PY
check "the report of a blocked item names no artefact to verify" \
	test "$(verify_rc "$tmp/rb.json" "$tmp/big.eml")" = 2

# ---- the drop folder: the outbox report is signed too, and names its artefact
cp "$corpus/office/dde-test.docm" "$gw/inbox/"
check "a dropped file comes out with its report" wait_until 30 test -e "$gw/outbox/dde-test.docx.report.json"
check "the outbox report and the artefact beside it verify" \
	test "$(verify_rc "$gw/outbox/dde-test.docx.report.json" "$gw/outbox/dde-test.docx")" = 0
check "another artefact against it: rejected" \
	test "$(verify_rc "$gw/outbox/dde-test.docx.report.json" "$corpus/office/dde-test.docx")" = 2
check "the docx carries mugai's signed marker as its zip comment, and still reads as a zip" \
	$py -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.comment.startswith(b"mugai-marker-v1 "), z.comment; assert z.testzip() is None; assert "word/document.xml" in z.namelist()' "$gw/outbox/dde-test.docx"
cp "$corpus/pdf/attachment.pdf" "$gw/inbox/"
check "a dropped PDF comes out with its report" wait_until 30 test -e "$gw/outbox/attachment.pdf.report.json"
check "the PDF verifies with its report, its marker a comment after %%EOF" bash -c \
	'[[ $(tail -n 2 "$1" | head -1) == "%%EOF" && $(tail -n 1 "$1") == "%mugai-marker-v1 "* ]] &&
	 "$2" report verify --public-key "$3" "$1.report.json" "$1" >/dev/null' _ "$gw/outbox/attachment.pdf" "$mugai" "$key.pub"
check "the marked PDF still opens (poppler's pdftotext)" pdftotext "$gw/outbox/attachment.pdf" /dev/null
# the marked docx back into the inbox: known as mugai's own, sanitised to the same artefact
mkdir -p "$gw/inbox/again"
chmod 777 "$gw/inbox/again"
cp "$gw/outbox/dde-test.docx" "$gw/inbox/again/dde-test.docx"
check "the docx dropped again comes out" wait_until 30 test -e "$gw/outbox/again/dde-test.docx.report.json"
check "its report names it as mugai's own output, and the artefact did not change" \
	$py -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); o=b["own_output"]
assert o["marker"]=="verified" and o["item_id"]==a["item_id"], o
assert a["output"]["sha256"]==b["output"]["sha256"]' "$gw/outbox/dde-test.docx.report.json" "$gw/outbox/again/dde-test.docx.report.json"
# forged: the content changed under the marker, and a marker signed by no key of ours
mkdir -p "$gw/inbox/forged"
chmod 777 "$gw/inbox/forged"
$py - "$gw/outbox/dde-test.docx" "$gw/inbox/forged" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
i = raw.index(b"word/document.xml")
open(sys.argv[2] + "/.a.tmp", "wb").write(raw[:i] + b"W" + raw[i + 1:])
sig = re.search(rb"[0-9a-f]{128}$", raw)
open(sys.argv[2] + "/.b.tmp", "wb").write(raw[:sig.start()] + b"ab" * 64)
PY
mv "$gw/inbox/forged/.a.tmp" "$gw/inbox/forged/content.docx"
mv "$gw/inbox/forged/.b.tmp" "$gw/inbox/forged/sig.docx"
for f in content sig; do
	wait_until 30 bash -c "ls '$gw'/outbox/forged/$f.*report.json >/dev/null 2>&1"
done
check "a file whose content changed under its marker: not trusted" \
	$py -c 'import glob,json,sys; r=json.load(open(glob.glob(sys.argv[1]+"/content.*report.json")[0])); o=r["own_output"]; assert o["marker"]=="not trusted" and "changed" in o["why"], o' "$gw/outbox/forged"
check "a file whose marker no key of ours signed: not trusted, sanitised normally" \
	$py -c 'import glob,json,sys; r=json.load(open(glob.glob(sys.argv[1]+"/sig.*report.json")[0])); o=r["own_output"]; assert o["marker"]=="not trusted" and "key" in o["why"], o; assert r["verdict"]=="sanitised"' "$gw/outbox/forged"

# ---- the marker: the delivered mail sent back is known as mugai's own
out=$(send_raw "$d")
id2=$(reply_id <<<"$out")
wait_until 10 bash -c "ls '$mail'/$id2*.eml >/dev/null 2>&1"
report_of "$id2" "$tmp/r2.json"
check "mugai's own output is recognised by its marker" \
	$py -c 'import json,sys; o=json.load(open(sys.argv[1]))["own_output"]; assert o["marker"]=="verified" and o["item_id"]==sys.argv[2], o' "$tmp/r2.json" "$id"
strip_ids() { grep -av '^X-Mugai-\(Id\|Verdict\):' "$1"; }
$py - "$(delivered "$id2")" "$tmp/art2.eml" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
m = re.search(rb"^X-Mugai-Report:.*?\r\n(?![ \t])", raw, re.M | re.S)
open(sys.argv[2], "wb").write(raw[m.end():])
PY
check "sanitised again it does not grow: the same artefact but for its id and this pass's verdict" \
	bash -c 'cmp -s <(grep -av "^X-Mugai-\(Id\|Verdict\):" "$1") <(grep -av "^X-Mugai-\(Id\|Verdict\):" "$2")' _ "$tmp/art1.eml" "$tmp/art2.eml"
# forged: the content changed under a valid signature, and a signature by no key of ours
$py - "$d" "$tmp/forged1.eml" "$tmp/forged2.eml" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
i = raw.index(b"Subject:")
open(sys.argv[2], "wb").write(raw[:i] + b"Subject: changed\r\nX-Old-" + raw[i:])
open(sys.argv[3], "wb").write(re.sub(rb"sig=[0-9a-f]{128}", b"sig=" + b"ab" * 64, raw))
PY
for f in forged1 forged2; do
	out=$(send_raw "$tmp/$f.eml")
	fid=$(reply_id <<<"$out")
	wait_until 10 bash -c "ls '$mail'/$fid*.eml >/dev/null 2>&1"
	report_of "$fid" "$tmp/$f.json"
done
check "altered content under a marker: not trusted, sanitised normally" \
	$py -c 'import json,sys; r=json.load(open(sys.argv[1])); o=r["own_output"]; assert o["marker"]=="not trusted" and "changed" in o["why"], o; assert r["verdict"]=="sanitised"' "$tmp/forged1.json"
check "a marker not signed by our key: not trusted" \
	$py -c 'import json,sys; o=json.load(open(sys.argv[1]))["own_output"]; assert o["marker"]=="not trusted" and "key" in o["why"], o' "$tmp/forged2.json"
stop_mugaid

# ---- report_part = attach: a plain mail (wrapped) and a multipart one (added)
start_mugaid -o "relay.next_hop=dir:$mail" -o workers.count=1 -o "report.signing_key=$key" \
	-o policy.report_part=attach || { ko "mugaid starts with report_part=attach"; finish; exit 1; }
for s in 01-iso2022jp-plain 04-csv-and-exe; do
	out=$(send "$samples/$s.eml")
	aid=$(reply_id <<<"$out")
	wait_until 10 bash -c "ls '$mail'/$aid*.eml >/dev/null 2>&1"
	ad=$(delivered "$aid")
	report_of "$aid" "$tmp/ra.json"
	check "$s: the delivered mail carries the report as mugai-report-$aid.json, the one stored" \
		$py - "$ad" "$tmp/ra.json" "$aid" <<'PY'
import email, email.policy, json, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
parts = [p for p in m.walk() if p.get_filename() == "mugai-report-%s.json" % sys.argv[3]]
assert len(parts) == 1 and parts[0].get_content_type() == "application/json"
assert json.loads(parts[0].get_payload(decode=True)) == json.load(open(sys.argv[2]))
body = m.get_body(("plain",))
assert body is not None and "mugai" in body.get_content()
open(sys.argv[2] + ".attached", "wb").write(parts[0].get_payload(decode=True))
PY
	check "$s: the attached report and the delivered mail verify" \
		test "$(verify_rc "$tmp/ra.json.attached" "$ad")" = 0
done
stop_mugaid
finish
