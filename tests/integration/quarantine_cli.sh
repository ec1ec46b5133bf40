#!/usr/bin/env bash
# The review CLI end to end: users, import, list, show, request, the
# two-person approval with the default release hook, deny, download,
# verify (and a tampered log caught), purge.  SQLite by default; the index
# named by MUGAI_TEST_PG_URI when set (quarantine_pg.sh does that).
set -uo pipefail

build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
mugai=$build/gateway/mugai
if [[ ! -x $mugai ]]; then
	echo "FAIL $mugai was not built"
	echo "0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d /tmp/mugai-qcli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [[ -n ${MUGAI_TEST_PG_URI:-} ]]; then
	index=$MUGAI_TEST_PG_URI
	psql -q "$index" -c 'DROP TABLE IF EXISTS mq_items, mq_audit, mq_users, mq_schema' >/dev/null 2>&1
	sql() { psql -q "$index" -c "$1" >/dev/null; }
else
	index=sqlite:$tmp/q/index.db
	sql() { sqlite3 "$tmp/q/index.db" "$1"; }
fi
# the dir store, files under quarantine.dir (the index store, the default,
# is check_blob_sqlite's and it_durable_kill's)
conf=(-o "quarantine.dir=$tmp/q" -o "quarantine.index=$index" -o quarantine.store=dir
	-o "relay.next_hop=dir:$tmp/out/mail" -o "drop.outbox=$tmp/out/files")
q() { "$mugai" quarantine "${conf[@]}" "$@"; }
u() { "$mugai" user "${conf[@]}" "$@"; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
# expect NAME WANT_STATUS PATTERN CMD...: exit status and output (stdout+stderr)
expect() {
	local name=$1 want=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc == "$want" ]] && grep -qE -- "$pattern" <<<"$out"; then
		ok "$name"
	else
		ko "$name (exit $rc, wanted $want; output:)"
		sed 's/^/     /' <<<"$out"
	fi
}

export MUGAI_PASSWORD='alice password'
expect "user add reviewer" 0 "user alice added as reviewer" u add alice --role reviewer
export MUGAI_PASSWORD='bob password'
expect "user add approver" 0 "added as approver" u add bob --role approver
printf 'dana password\n' >"$tmp/dana.pw"
unset MUGAI_PASSWORD
expect "user add from a password file" 0 "added as admin" u add dana --role admin --password-file "$tmp/dana.pw"
expect "user add twice refused" 1 "already exists" env MUGAI_PASSWORD=whatever1 "$mugai" user "${conf[@]}" add bob --role admin
expect "user add without a role" 1 "--role" env MUGAI_PASSWORD=whatever1 "$mugai" user "${conf[@]}" add erin
expect "user list" 0 "dana +admin +ja +enabled" u list

printf 'From: Sato <sato@example.jp>\r\nTo: tanaka@lg.example.jp\r\nSubject: =?UTF-8?B?6KaL56mN5pu4?=\r\nMessage-ID: <1@example.jp>\r\n\r\nplease see the attachment\r\n' >"$tmp/quote.eml"
printf 'MZ\x90\x00 a tool from the vendor\n' >"$tmp/tool.exe"
printf 'PK\x03\x04 not really a zip\n' >"$tmp/other.zip"
mail_id=$(q import "$tmp/quote.eml" --channel mail | awk '{print $1}')
file_id=$(q import "$tmp/tool.exe" --channel file | awk '{print $1}')
other_id=$(q import "$tmp/other.zip" --channel file --name "../../報告.zip" | awk '{print $1}')
[[ -n $mail_id && -n $file_id && -n $other_id ]] && ok "import" || ko "import ($mail_id, $file_id, $other_id)"

expect "list shows the decoded subject" 0 "$mail_id .* mail .*quarantined .*sato@example.jp / 見積書" q list
expect "list --channel file" 0 "^$file_id" q list --channel file
count=$(q list --channel file --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[[ $count == 2 ]] && ok "list --json" || ko "list --json ($count items)"
expect "list --search" 0 "報告.zip" q list --search 報告
[[ $(q list --search nothing-like-this | wc -l) == 1 ]] && ok "list --search without match" || ko "list --search without match"
expect "list --status" 0 "^ITEM" q list --status released
expect "list with a bad status" 1 "unknown status" q list --status gone
expect "show" 0 "subject +見積書" q show "$mail_id"
expect "show an unknown item" 1 "no item" q show 20990101T000000-000000000000

export MUGAI_PASSWORD='bob password'
expect "an approver may not request" 1 "bob has the approver role; requesting a release needs the reviewer or admin role" \
	q request "$mail_id" --reason "need it" --user bob
export MUGAI_PASSWORD='alice password'
expect "request needs a reason" 1 "reason is required" q request "$mail_id" --user alice
expect "request needs --user" 1 "needs --user" q request "$mail_id" --reason x
expect "request" 0 "release requested" q request "$mail_id" --reason "見積書が必要です" --user alice
expect "a reviewer may not approve" 1 "alice has the reviewer role" q approve "$mail_id" --user alice
expect "wrong password refused" 1 "unknown user or wrong password" env MUGAI_PASSWORD=guess1234 \
	"$mugai" quarantine "${conf[@]}" approve "$mail_id" --user bob
[[ ! -e $tmp/out/mail ]] && ok "nothing released before approval" || ko "nothing released before approval"

expect "admin request" 0 "release requested" q request "$file_id" --reason "vendor tool" --user dana --password-file "$tmp/dana.pw"
expect "the requester may not approve" 1 "refused: dana requested this release; a different approver must approve it" \
	q approve "$file_id" --user dana --password-file "$tmp/dana.pw"
expect "approving one's own request (the 第6条第2項 exception) is off by default" 1 \
	"approving one's own request is not enabled \\(quarantine.self_approval = no\\)" \
	q approve "$file_id" --user dana --self --reason "no other approver this week" --password-file "$tmp/dana.pw"
expect "and even where enabled, never without a reason" 1 "--reason is required" \
	"$mugai" quarantine "${conf[@]}" -o quarantine.self_approval=yes approve "$file_id" --user dana --self \
	--password-file "$tmp/dana.pw"

export MUGAI_PASSWORD='bob password'
expect "approve releases the mail" 0 "approved and released" q approve "$mail_id" --user bob
eml=$tmp/out/mail/released-$mail_id.eml
# the dir: transport's envelope headers, then ours, then the original, byte for byte
if [[ -f $eml ]] && [[ $(sed -n 1p "$eml") == "Return-Path: <sato@example.jp>"$'\r' ]] &&
	[[ $(sed -n 2p "$eml") == "X-Mugai-Envelope-To: <tanaka@lg.example.jp>"$'\r' ]] &&
	[[ $(sed -n 3p "$eml") == "X-Mugai-Released: $mail_id; by bob; requested by alice"$'\r' ]] &&
	cmp -s <(tail -n +4 "$eml") "$tmp/quote.eml"; then
	ok "released mail carries the release header and the original"
else
	ko "released mail carries the release header and the original"
fi
expect "status released" 0 "status +released" q show "$mail_id"
expect "approve twice refused" 1 "is released; only a requested release can be approved" q approve "$mail_id" --user bob
expect "approve releases the file" 0 "approved and released" q approve "$file_id" --user bob
cmp -s "$tmp/out/files/tool.exe" "$tmp/tool.exe" && ok "released file in the outbox" || ko "released file in the outbox"

export MUGAI_PASSWORD='alice password'
expect "request the other file" 0 "release requested" q request "$other_id" --reason "report" --user alice
export MUGAI_PASSWORD='bob password'
expect "deny" 0 "release denied" q deny "$other_id" --reason "unknown sender" --user bob
expect "denied is not approved" 1 "is denied" q approve "$other_id" --user bob
[[ ! -e $tmp/out/files/報告.zip ]] && ok "denied file not released" || ko "denied file not released"

expect "download by an approver" 0 "written to" q download "$other_id" --out "$tmp/got.zip" --user bob
cmp -s "$tmp/got.zip" "$tmp/other.zip" && ok "downloaded original is exact" || ko "downloaded original is exact"
expect "download by a reviewer refused" 1 "alice has the reviewer role" env MUGAI_PASSWORD='alice password' \
	"$mugai" quarantine "${conf[@]}" download "$other_id" --out "$tmp/no.zip" --user alice
expect "delete needs admin" 1 "needs the admin role" q delete "$other_id" --reason spam --user bob

expect "audit" 0 "bob +release " q audit
expect "verify" 0 "audit chain intact: 1[0-9] entries; head #1[0-9] [0-9a-f]{64}" q verify
expect "verify --blobs" 0 "index agrees with the audit log: 3 items, every original present and unchanged" q verify --blobs
sql "UPDATE mq_items SET status = 'released' WHERE item_id = '$other_id'"
expect "verify catches an edited item row" 1 \
	"index DISAGREES with the audit log: item $other_id: the index says released, the log says denied" q verify
sql "UPDATE mq_items SET status = 'denied' WHERE item_id = '$other_id'"
sql "UPDATE mq_audit SET actor = 'carol' WHERE seq = 9"
expect "verify catches an edited entry" 1 "audit chain BROKEN at entry 9: entry 9 was altered" q verify
sql "DELETE FROM mq_audit WHERE seq = 9"
expect "verify catches a removed entry" 1 "BROKEN at entry 9: sequence gap" q verify

expect "purge keeps young items" 0 "purged 0 items" q purge --older-than 90d
expect "purge needs an age" 1 "older-than" q purge
expect "purge" 0 "purged 3 items older than 0s" q purge --older-than 0s
[[ $(q list | wc -l) == 1 ]] && ok "nothing left after the purge" || ko "nothing left after the purge"
[[ -z $(find "$tmp/q" -type f -name '[0-9a-f]*' -path '*/??/??/*') ]] && ok "purge removed the originals" ||
	ko "purge removed the originals"

# The durable order of one put: the fan-out directories' entries fsynced
# (a process does so the first time it uses them: a fresh one here), the
# blob's temp file fsynced, renamed into place, its directory fsynced,
# and only then the index's commit.
if command -v strace >/dev/null; then
	printf 'traced content\n' >"$tmp/traced.txt"
	# (LeakSanitizer cannot run under ptrace: off for this one run)
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -f -o "$tmp/trace" \
		-e trace=openat,fsync,fdatasync,rename \
		"$mugai" quarantine "${conf[@]}" import "$tmp/traced.txt" --channel file >/dev/null 2>&1
	traced=$?
	if [[ $traced == 0 ]] && python3 - "$tmp/trace" "$tmp/q" "${MUGAI_TEST_PG_URI:-}" <<'PY'
import re, sys
trace, store, pg = sys.argv[1], sys.argv[2], sys.argv[3]
fds, events = {}, []
for line in open(trace):
    m = re.search(r'openat\(AT_FDCWD, "([^"]+)".*\) = (\d+)', line)
    if m:
        fds[m.group(2)] = m.group(1)
        events.append(("open", m.group(1)))
        continue
    m = re.search(r'(fsync|fdatasync)\((\d+)\)\s+= 0', line)
    if m:
        events.append(("sync", fds.get(m.group(2), "?")))
        continue
    m = re.search(r'rename\("([^"]+)", "([^"]+)"\) = 0', line)
    if m:
        events.append(("rename", m.group(1), m.group(2)))
def find(pred, start=0):
    for i in range(start, len(events)):
        if pred(events[i]):
            return i
    sys.exit("missing after %d: %s" % (start, events[start:start + 8]))
tmp = find(lambda e: e[0] == "open" and ".tmp." in e[1] and e[1].startswith(store))
name = events[tmp][1]
i = find(lambda e: e == ("sync", name), tmp)
i = find(lambda e: e[0] == "rename" and e[1] == name, i)
final = events[i][2]
d2, d1 = final.rsplit("/", 1)[0], final.rsplit("/", 2)[0]
before = events[:tmp]
if ("sync", store) not in before or ("sync", d1) not in before:
    sys.exit("the fan-out directories were not synced before the blob: %s" % (before[-8:],))
i = find(lambda e: e == ("sync", d2), i)
# SQLite: the next sync is the index's commit, nothing else in between
if not pg:
    j = find(lambda e: e[0] == "sync", i + 1)
    if not events[j][1].endswith("index.db-wal"):
        sys.exit("expected the WAL synced next, got %s" % (events[j],))
PY
	then ok "put: directories, blob fsynced, renamed, its directory fsynced, then the commit"
	else ko "put: directories, blob fsynced, renamed, its directory fsynced, then the commit (import exit $traced)"
	fi
else
	echo "skip put durability order (strace is not installed)"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
