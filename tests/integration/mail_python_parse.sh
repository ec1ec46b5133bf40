#!/usr/bin/env bash
# Every corpus mail and every sample, sanitised by `mugai sanitize`, must be
# read by Python's email package (policy=default) as a message whose body is
# text/plain UTF-8 starting with the notice, with no HTML part, no header
# outside the whitelist, and attachments that are sanitised artefacts (or
# nested messages rebuilt the same way).  A blocked mail must leave no
# output and give a reason in its report.
set -uo pipefail
: "${MUGAI_BUILD:?}" "${MUGAI_SOURCE:?}" "${MUGAI_CORPUS:?}"
mugai=$MUGAI_BUILD/gateway/mugai
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import email, email.policy, json, sys
out, report = sys.argv[1], sys.argv[2]
WHITELIST = {"from", "to", "cc", "reply-to", "date", "subject", "message-id", "in-reply-to",
             "references", "mime-version", "content-type", "content-transfer-encoding",
             "x-mugai-id", "x-mugai-verdict"}
ARTEFACT = ("text/plain", "text/csv", "text/tab-separated-values", "application/pdf", "image/",
            "application/zip", "application/vnd.openxmlformats-officedocument.",
            "application/vnd.oasis.opendocument.", "message/rfc822")

def check_msg(m, depth):
    extra = {k.lower() for k in m.keys()} - WHITELIST
    assert not extra, "headers outside the whitelist: %s" % extra
    assert m["X-Mugai-Verdict"].startswith("sanitised"), "no verdict header"
    body = m.get_body(("plain",))
    assert body is not None, "no text/plain body"
    assert body.get_content_charset() == "utf-8", "body charset %s" % body.get_content_charset()
    text = body.get_content()
    assert "[mugai]" in text or "無害化" in text, "no notice"
    assert m["X-Mugai-Id"] in text, "the notice does not name the id"
    for part in m.walk():
        t = part.get_content_type()
        assert t != "text/html", "an HTML part survived"
        assert part.get_content_maintype() != "multipart" or t == "multipart/mixed", t
    for att in m.iter_attachments():
        t = att.get_content_type()
        assert t.startswith(ARTEFACT), "attachment of type %s" % t
        assert att.get_filename(), "attachment without a name"
        if t == "message/rfc822":
            check_msg(att.get_content(), depth + 1)
        else:
            att.get_content()  # decodes

with open(report) as f:
    r = json.load(f)
if r["verdict"] == "blocked":
    assert r.get("reason"), "blocked without a reason"
    sys.exit(0)
family = r["detected"]["family"]
if family != "mail":
    # the file channel trusts detection: a mail libmagic calls HTML is
    # sanitised as that family; its artefact must still be plain text
    data = open(out, "rb").read().decode("utf-8")
    assert r["output"]["type"].startswith("text/plain"), r["output"]["type"]
    assert "<html" not in data.lower() and "<script" not in data.lower(), "markup survived"
    print("note: detected as %s, sanitised as text" % family)
    sys.exit(0)
with open(out, "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
assert not m.defects, "defects: %s" % m.defects
check_msg(m, 0)
PY
}

run_one() {
	local in=$1 name out report
	name=$(basename "$in")
	out=$work/$name.out
	report=$work/$name.json
	"$mugai" sanitize --report "$report" "$in" "$out" 2>"$work/err"
	local rc=$?
	if [ $rc -eq 1 ]; then
		echo "FAIL $name: mugai error: $(cat "$work/err")"
		failed=$((failed + 1))
		return
	fi
	if [ $rc -eq 2 ] && [ -e "$out" ]; then
		echo "FAIL $name: blocked but an output was written"
		failed=$((failed + 1))
		return
	fi
	if msg=$(check "$out" "$report" 2>&1); then
		passed=$((passed + 1))
		[ -n "$msg" ] && echo "$name: $msg"
	else
		echo "FAIL $name: $(echo "$msg" | tail -1)"
		failed=$((failed + 1))
	fi
}

for f in "$MUGAI_CORPUS"/mail/* "$MUGAI_SOURCE"/samples/*.eml; do
	[ -f "$f" ] && run_one "$f"
done

# every corpus mail and every sample is readable: none may end blocked
sanitised=$(find "$work" -name '*.out' | wc -l)
if [ "$sanitised" -ge 23 ]; then passed=$((passed + 1)); else
	echo "FAIL only $sanitised of the 23 mails were sanitised"; failed=$((failed + 1)); fi

# the samples also carry what they are meant to show
s=$work/04-csv-and-exe.eml.out
if [ -f "$s" ] && /usr/bin/python3 - "$s" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
names = [a.get_filename() for a in m.iter_attachments()]
assert names == ["meibo.csv"], names
csv = next(m.iter_attachments()).get_content()
assert "'=HYPERLINK" in csv and "shukei_tool.exe" in m.get_body(("plain",)).get_content()
assert m["Subject"] == "名簿と集計ツールの送付"
PY
then passed=$((passed + 1)); else echo "FAIL sample contents"; failed=$((failed + 1)); fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
