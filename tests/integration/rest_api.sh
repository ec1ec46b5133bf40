#!/usr/bin/env bash
# The REST API (apid on api.listen) over real HTTP with curl: a token per
# scope made with `mugai token`, each route, 401/403/404/405/413/429, the
# sanitised artefact (JSON and raw) for a .docm from the corpus and one
# made here, a blocked item's 422, a file past api.async_size answered 202
# and fetched from its Location once done, the release request under the
# two-person rule, revocation, and every call in the audit chain.
set -uo pipefail
source "$(dirname "$0")/lib/gateway.bash"

api_port=$(free_port)
start_mugaid -o "api.listen=127.0.0.1:$api_port" -o "api.max_size=2M" -o "api.rate=600" \
	-o "api.concurrency=2" -o "api.async_size=200K" || { ko "mugaid starts with api.listen"; finish; exit 1; }
check "apid listens on api.listen" wait_until 20 listening "$api_port"
check "apid has its title" wait_until 5 bash -c "ps -eo args | grep -q '^mugaid: apid'"

tok() { "$mugai" token "${gw_opts[@]}" "$@" 2>/dev/null; }
t_all=$(tok add filing-system --scopes sanitize,read,request)
t_read=$(tok add auditor-bot --scopes read)
check "a token is mgk_ and 32 characters" grep -Eqx 'mgk_[A-Za-z0-9_-]{32}' <<<"$t_all"
check "a second client name is refused" bash -c "! '$mugai' token ${gw_opts[*]} add filing-system --scopes read 2>/dev/null"
check "an unknown scope is refused" bash -c "! '$mugai' token ${gw_opts[*]} add x --scopes admin 2>/dev/null"
check "the index keeps no token" bash -c "! sqlite3 '$gw/quarantine/index.db' .dump | grep -qF '$t_all'"

base=http://127.0.0.1:$api_port/api/v1
# call METHOD PATH TOKEN [curl args...]: prints the status, body in $tmp/body
call() {
	local m=$1 p=$2 t=$3
	shift 3
	curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$m" ${t:+-H "Authorization: Bearer $t"} "$@" "$base$p"
}

# a .docm with an AutoOpen macro, made here, and the corpus's
printf 'Attribute VB_Name = "x"\nSub AutoOpen()\nEnd Sub\n' > "$tmp/vba.txt"
$py - "$tmp/made.docm" <<'PY'
import sys, zipfile
ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
      '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
drels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
doc = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
       '<w:body><w:p><w:r><w:t>申請書の様式 API test</w:t></w:r></w:p></w:body></w:document>')
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("[Content_Types].xml", ct); z.writestr("_rels/.rels", rels)
    z.writestr("word/document.xml", doc); z.writestr("word/_rels/document.xml.rels", drels)
    z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
PY

# 1. sanitize, JSON answer
st=$(call POST "/sanitize?name=%E7%94%B3%E8%AB%8B%E6%9B%B8.docm" "$t_all" --data-binary @"$tmp/made.docm" -H 'Content-Type: application/octet-stream')
check "sanitize answers 200 (got $st)" [ $st = 200 ]
id=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["item_id"])' "$tmp/body" 2>/dev/null)
check "the answer names the item" [ -n "$id" ]
check "the artefact is a .docx without the macro, its text intact" $py - "$tmp/body" <<'PY'
import base64, io, json, sys, zipfile
a = json.load(open(sys.argv[1]))
assert a["verdict"] == "sanitised" and a["name"] == "申請書.docx", a["name"]
z = zipfile.ZipFile(io.BytesIO(base64.b64decode(a["artefact"])))
assert not any("vba" in n.lower() for n in z.namelist()), z.namelist()
assert "申請書の様式" in z.read("word/document.xml").decode()
assert a["report"]["verdict"] in ("sanitised",), a["report"]
PY
check "the original is in the quarantine on channel api" bash -c "'$mugai' quarantine ${gw_opts[*]} show '$id' | grep -q 'api'"

# 2. sanitize, raw answer, with the corpus's docm
docm=$corpus/office/harmless-clean.docm
if [[ -f $docm ]]; then
	st=$(call POST "/sanitize?name=harmless-clean.docm&output=raw" "$t_all" --data-binary @"$docm")
	check "raw sanitize answers 200 (got $st)" [ $st = 200 ]
	check "raw: the artefact itself, a zip" bash -c "head -c 2 '$tmp/body' | grep -q PK"
	check "raw: verdict and item in headers" bash -c "grep -qi '^X-Mugai-Verdict: sanitised' '$tmp/headers' && grep -qi '^X-Mugai-Item-Id: ' '$tmp/headers'"
	check "raw: the file name in Content-Disposition" grep -qi "filename=\"harmless-clean.docx\"" "$tmp/headers"
fi

# 3. a blocked item: an executable
printf 'MZ\x90\x00\x03\x00\x00\x00' > "$tmp/tool.exe"; head -c 4096 /dev/urandom >> "$tmp/tool.exe"
st=$(call POST "/sanitize?name=tool.exe" "$t_all" --data-binary @"$tmp/tool.exe")
check "an executable gets 422 (got $st)" [ $st = 422 ]
check "422 says blocked and why" $py -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["verdict"]=="blocked" and a["reason"] and "artefact" not in a' "$tmp/body"
blocked=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["item_id"])' "$tmp/body")

# 4. reading
st=$(call GET "/items/$id" "$t_read"); check "GET item with read scope: 200 (got $st)" [ $st = 200 ]
check "the item says its channel, verdict and hash" $py -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["channel"]=="api" and a["verdict"]=="sanitised" and len(a["sha256"])==64' "$tmp/body"
st=$(call GET "/items/$id/report" "$t_read"); check "GET report: 200 (got $st)" [ $st = 200 ]
check "the report is the item's" $py -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["verdict"]=="sanitised"' "$tmp/body"
st=$(call GET "/items/20991231T000000Z-nosuchit" "$t_read"); check "unknown item: 404 (got $st)" [ $st = 404 ]
st=$(call GET "/items/..%2f..%2fetc" "$t_read"); check "a malformed id: 404 (got $st)" [ $st = 404 ]
st=$(call GET "/nothing" "$t_read"); check "no such route: 404 (got $st)" [ $st = 404 ]

# 5. authentication and scopes
st=$(call GET "/items/$id" ""); check "no token: 401 (got $st)" [ $st = 401 ]
check "401 asks for a bearer token" grep -qi '^WWW-Authenticate: Bearer' "$tmp/headers"
st=$(call GET "/items/$id" "mgk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); check "a wrong token: 401 (got $st)" [ $st = 401 ]
st=$(call POST "/sanitize?name=a.txt" "$t_read" --data-binary 'hello'); check "read scope cannot sanitize: 403 (got $st)" [ $st = 403 ]
st=$(call GET "/sanitize" "$t_all"); check "GET on sanitize: 405 (got $st)" [ $st = 405 ]
check "405 says Allow: POST" grep -qi '^Allow: POST' "$tmp/headers"
st=$(call POST "/sanitize?name=..%2fx" "$t_all" --data-binary 'x'); check "a name with a slash: 400 (got $st)" [ $st = 400 ]

# 6. size: declared too large (refused before the body), and streamed too large
head -c 3000000 /dev/zero > "$tmp/big.bin"
st=$(call POST "/sanitize?name=big.bin" "$t_all" --data-binary @"$tmp/big.bin"); check "over api.max_size: 413 (got $st)" [ $st = 413 ]
st=$(call POST "/sanitize?name=big.bin" "$t_all" -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big.bin"); check "chunked over api.max_size: 413 (got $st)" [ $st = 413 ]

# 6b. past api.async_size: 202 with a Location at once, the item in the
# background, its status until done, then its artefact
for i in $(seq 6000); do printf '%05d 公文書の本文 line of a large text file\n' "$i"; done > "$tmp/large.txt"
st=$(call POST "/sanitize?name=large.txt" "$t_all" --data-binary @"$tmp/large.txt")
check "a file past api.async_size: 202 (got $st)" [ $st = 202 ]
loc=$(sed -n 's/^Location: *//Ip' "$tmp/headers" | tr -d '\r')
aid=$($py -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["status"]=="processing"; print(a["item_id"])' "$tmp/body" 2>/dev/null)
check "202 says processing, Location: /api/v1/items/ID ($loc)" [ -n "$aid" -a "$loc" = "/api/v1/items/$aid" ]
item_done() { [[ $(call GET "${loc#/api/v1}" "$t_all") == 200 ]] && ! grep -q '"status":"processing"' "$tmp/body"; }
check "GET Location shows the item once done" wait_until 60 item_done
check "the done item is sanitised, on channel api, and names its artefact" $py -c '
import json,sys; a=json.load(open(sys.argv[1]))
assert a["verdict"]=="sanitised" and a["channel"]=="api" and a["artefact"]=="/api/v1/items/%s/artefact" % sys.argv[2], a' "$tmp/body" "$aid"
st=$(call GET "/items/$aid/artefact" "$t_read")
check "GET its artefact: 200 (got $st)" [ $st = 200 ]
check "the artefact is the sanitised text, every line" bash -c 'grep -q "^06000 公文書の本文" "$1" && [ "$(grep -c 公文書の本文 "$1")" = 6000 ]' _ "$tmp/body"
check "with its file name" grep -qi 'filename="large.txt"' "$tmp/headers"
check "the original is in the quarantine" bash -c "'$mugai' quarantine ${gw_opts[*]} show '$aid' | grep -q api"
printf 'MZ\x90\x00\x03\x00\x00\x00' > "$tmp/large.exe"; head -c 300000 /dev/urandom >> "$tmp/large.exe"
st=$(call POST "/sanitize?name=large.exe" "$t_all" --data-binary @"$tmp/large.exe")
bid=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["item_id"])' "$tmp/body" 2>/dev/null)
check "a large executable: 202 too (got $st)" [ $st = 202 -a -n "$bid" ]
loc=/api/v1/items/$bid
check "it ends blocked" bash -c 'item_done() { [[ $(curl -s -o "$1" -w "%{http_code}" -H "Authorization: Bearer $2" "$3") == 200 ]] && grep -q "\"verdict\":\"blocked\"" "$1"; }
	for _ in $(seq 600); do item_done "$@" && exit 0; sleep 0.1; done; exit 1' _ "$tmp/body" "$t_all" "http://127.0.0.1:$api_port$loc"
st=$(call GET "/items/$bid/artefact" "$t_all"); check "a blocked item has no artefact: 422 (got $st)" [ $st = 422 ]
st=$(call GET "/items/$id/artefact" "$t_all"); check "an item answered at once keeps no artefact here: 404 (got $st)" [ $st = 404 ]
st=$(call GET "/items/$aid/artefact" ""); check "the artefact needs a token: 401 (got $st)" [ $st = 401 ]

# 7. release request: by the API, approval stays a human's
st=$(call POST "/items/$blocked/release-requests" "$t_read" -H 'Content-Type: application/json' --data '{"reason":"x"}')
check "read scope cannot request: 403 (got $st)" [ $st = 403 ]
st=$(call POST "/items/$blocked/release-requests" "$t_all" -H 'Content-Type: application/json' --data '{}')
check "a request without a reason: 400 (got $st)" [ $st = 400 ]
st=$(call POST "/items/$blocked/release-requests" "$t_all" -H 'Content-Type: application/json' --data '{"reason":"業務で必要な様式のため"}')
check "release request: 201 (got $st)" [ $st = 201 ]
check "the item waits for an approver" bash -c "'$mugai' quarantine ${gw_opts[*]} show '$blocked' | grep -q release_requested"

# 8. rate limit: a client at 1 call a minute
stop_mugaid
start_mugaid -o "api.listen=127.0.0.1:$api_port" -o "api.rate=2" >/dev/null || ko "mugaid restarts"
wait_until 20 listening "$api_port"
s1=$(call GET "/items/$id" "$t_read"); s2=$(call GET "/items/$id" "$t_read"); s3=$(call GET "/items/$id" "$t_read")
check "the third call in a minute at api.rate=2: 429 (got $s1 $s2 $s3)" [ "$s1 $s2 $s3" = "200 200 429" ]
check "429 says when to retry" grep -qi '^Retry-After: [0-9]' "$tmp/headers"

# 9. revocation
tok revoke auditor-bot >/dev/null
st=$(call GET "/items/$id" "$t_read"); check "a revoked token: 401 (got $st)" [ $st = 401 ]
check "token list shows the revocation" bash -c "'$mugai' token ${gw_opts[*]} list | grep auditor-bot | grep -q ' 20'"

# 10. audit: every call, never a token
audit=$(sqlite3 "$gw/quarantine/index.db" "SELECT actor, action, item_id, detail FROM mq_audit")
check "calls are audited by client" grep -q "api:filing-system|api_call|$id|POST /api/v1/sanitize 200 verdict=sanitised" <<<"$audit"
check "refusals are audited too" grep -q "api_call||GET /api/v1/items/$id 401" <<<"$audit"
check "token creation and revocation are audited" bash -c "grep -q api_token_add <<<\"\$0\" && grep -q api_token_revoke <<<\"\$0\"" "$audit"
check "no token in the audit or the log" bash -c "! grep -qF '${t_all:4}' '$log' && ! grep -qF '${t_all:4}' <<<\"\$0\"" "$audit"
check "the audit chain verifies" q verify

# 11. the README's curl client works as shown, and the OpenAPI file names
# exactly the routes there are
readme=${MUGAI_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/README.md
sed -n '/<!-- api-client -->/,/^```$/p' "$readme" | sed '1,2d;$d' > "$tmp/client.sh"
mkdir -p "$tmp/client" && cp "$tmp/made.docm" "$tmp/client/report.docm"
check "the README's client runs" bash -c "cd '$tmp/client' && mugai() { '$mugai' \"\$1\" ${gw_opts[*]} \"\${@:2}\" 2>/dev/null; } && API='$base' && source '$tmp/client.sh'"
check "the README's client got the sanitised file and its report" $py - "$tmp/client" <<'PY'
import json, sys, zipfile
d = sys.argv[1]
z = zipfile.ZipFile(d + "/report.docx")
assert not any("vba" in n.lower() for n in z.namelist())
assert json.load(open(d + "/report.json"))["verdict"] == "sanitised"
PY
src=${MUGAI_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
check "docs/openapi.yaml describes exactly the API's routes" $py - "$src/docs/openapi.yaml" <<'PY'
import sys, yaml
paths = yaml.safe_load(open(sys.argv[1]))["paths"]
want = {"/sanitize": {"post"}, "/items/{id}": {"get"}, "/items/{id}/report": {"get"},
        "/items/{id}/artefact": {"get"}, "/items/{id}/release-requests": {"post"}}
assert {p: set(v) for p, v in paths.items()} == want, paths
PY

stop_mugaid
finish
