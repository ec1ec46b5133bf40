#!/usr/bin/env bash
# Originals in PostgreSQL (quarantine.store = postgresql) with two nodes:
# node A (mugaid, its own directory) takes mails and dropped files; node B
# (another mugaid, another directory, the same database) lists, shows,
# downloads (review UI and CLI) and releases what A stored, byte for byte,
# though no original is on any disk.  verify --blobs passes there and
# catches one damaged chunk.  Each node's name (daemon.node) is on its
# items, audit entries, log lines and metrics.  Then a node with the old
# blob directory moves it in with migrate-store, and node B reads those
# originals too.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"
pg=$here/../../scripts/pg-test.sh

uri=$(bash "$pg" start)
if [[ -z $uri ]]; then
	ko "a throwaway PostgreSQL starts"
	finish
	exit 1
fi
trap 'cleanup; bash "$pg" stop "$uri"' EXIT
sql() { psql -qAt "$uri" -c "$1"; }

sink_port=$(free_port)
start_sink "$sink_port" "$tmp/sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o "quarantine.index=$uri" \
	-o quarantine.store=postgresql -o workers.count=1 -o drop.settle=1s -o daemon.node=node-a ||
	{ ko "node A starts"; finish; exit 1; }

# ---- node A: mails and dropped files, made here
send() {
	swaks --server "127.0.0.1:$smtp_port" --from alice@example.org --to bob@example.lg.jp \
		--timeout 60 "$@" 2>&1
}
head -c 700000 /dev/urandom >"$tmp/tool.exe"
printf 'MZ' | dd of="$tmp/tool.exe" conv=notrunc status=none
out1=$(send --header "Subject: plain $RANDOM" --body "hello from $RANDOM")
out2=$(send --header "Subject: with a tool" --attach @"$tmp/tool.exe")
n250=$(grep -cE '^<-  250 2.0.0 Ok: [0-9T-]+[0-9a-f]+ ' <<<"$out1$out2")
check "node A answers 250 to both mails" test "$n250" = 2
mkdir -p "$gw/inbox"
chmod 777 "$gw/inbox"
head -c 600000 /dev/urandom >"$tmp/drop.bin"
printf 'MZ\x90\x00' | dd of="$tmp/drop.bin" conv=notrunc status=none
cp "$tmp/drop.bin" "$gw/inbox/.drop.bin.part" && mv "$gw/inbox/.drop.bin.part" "$gw/inbox/drop.bin"
cp "$corpus/office/harmless-clean.docx" "$gw/inbox/clean.docx"
items() { [[ $(q list --json | $py -c 'import json,sys; print(len(json.load(sys.stdin)))') == "$1" ]]; }
check "four items in the quarantine" wait_until 30 items 4
check "node A's log lines name it" grep -q '"node":"node-a"' "$log"
check "node A's metrics carry its name" bash -c 'curl -s "$1" | grep -q "^mugai_items_total{node=\"node-a\",channel=\"mail\",verdict=\"sanitised\"} 2$"' \
	_ "http://127.0.0.1:$admin_port/metrics"
stop_mugaid

blob_files=$(find "$gw/quarantine" -type f ! -name 'index.db*' ! -name '*.key*' ! -name '*.jsonl' 2>/dev/null | wc -l)
check "no original on node A's disk" test "$blob_files" = 0
check "the originals are chunk rows" test "$(sql 'SELECT count(DISTINCT sha256) FROM mq_chunks')" -ge 4

# ---- node B: another mugaid, its own directory, the same database
b=$tmp/b
gw=$b log=$b/mugaid.log
unset smtp_port admin_port
start_mugaid -o "relay.next_hop=dir:$b/out/mail" -o "quarantine.index=$uri" \
	-o quarantine.store=postgresql -o workers.count=1 -o daemon.node=node-b ||
	{ ko "node B starts"; finish; exit 1; }
conf_b=("${gw_opts[@]}")
qb() { "$mugai" quarantine "${conf_b[@]}" "$@"; }
ub() { "$mugai" user "${conf_b[@]}" "$@"; }
MUGAI_PASSWORD='alice password' ub add alice --role reviewer >/dev/null
MUGAI_PASSWORD='bob password' ub add bob --role approver >/dev/null

file_id=$(qb list --channel file --json | $py -c '
import json, sys
print(next(i["item_id"] for i in json.load(sys.stdin) if i["subject"] == "drop.bin"))')
mail_id=$(qb list --channel mail --json | $py -c '
import json, sys
print(next(i["item_id"] for i in json.load(sys.stdin) if i["subject"] == "with a tool"))')
check "node B lists node A's items" test -n "$file_id" -a -n "$mail_id"
out=$(qb show "$mail_id" 2>&1)
check "node B shows a mail of node A" grep -q "with a tool" <<<"$out"
check "show names the node that stored it" grep -qE "^node +node-a$" <<<"$out"
check "list names the node" grep -qE "^$file_id .* node-a +drop.bin$" <<<"$(qb list)"

# node B's review UI, as the approver
jar=$tmp/cookies web=http://127.0.0.1:$admin_port
wait_until 10 curl -sf -o /dev/null "$web/login"
csrf=$(curl -s -c "$jar" "$web/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode lang=en \
	--data-urlencode user=bob --data-urlencode password='bob password' "$web/login"
check "node B's review UI lists node A's items with their node" \
	bash -c 'curl -s -b "$1" "$2/items" | grep -q "<td class=\"node\">node-a</td>"' _ "$jar" "$web"
check "node B's item page names the node that stored it" \
	bash -c 'curl -s -b "$1" "$2/items/$3" | grep -A2 "f-node" | grep -q "node-a"' _ "$jar" "$web" "$file_id"
curl -s -b "$jar" -o "$b/ui.orig" "$web/items/$file_id/original"
check "node B's review UI downloads the original node A stored" cmp -s "$b/ui.orig" "$tmp/drop.bin"
check "node B's metrics carry its name" bash -c 'curl -s "$1/metrics" | grep -q "^mugai_quarantine_index_up{node=\"node-b\"} 1$"' _ "$web"

MUGAI_PASSWORD='bob password' qb download "$file_id" --out "$b/file.orig" --user bob >/dev/null
check "node B downloads the dropped file as it was dropped" cmp -s "$b/file.orig" "$tmp/drop.bin"
MUGAI_PASSWORD='bob password' qb download "$mail_id" --out "$b/mail.orig" --user bob >/dev/null
want=$(qb show "$mail_id" --json | $py -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
check "node B downloads the mail's original (SHA-256 of the index)" \
	test "$(sha256sum <"$b/mail.orig" | cut -c1-64)" = "$want"
check "the mail's original holds the attachment" \
	$py -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb")); sys.exit(0 if any(p.get_payload(decode=True)==open(sys.argv[2],"rb").read() for p in m.walk() if p.get_filename()) else 1)' \
	"$b/mail.orig" "$tmp/tool.exe"

MUGAI_PASSWORD='alice password' qb request "$file_id" --reason "the vendor's tool is needed" --user alice >/dev/null
out=$(MUGAI_PASSWORD='bob password' qb approve "$file_id" --user bob 2>&1)
check "node B releases node A's file" grep -q "approved and released" <<<"$out"
released=$(find "$b/outbox" -type f | head -1)
out=$(qb show "$file_id" --json)
check "node B's audit entries name node B, node A's node A" $py -c '
import json, sys
j = json.loads(sys.argv[1])
nodes = {e["action"]: e["node"] for e in j["audit"]}
sys.exit(0 if j["node"] == "node-a" and nodes["store"] == "node-a" and nodes["approve"] == "node-b"
         and nodes["download"] == "node-b" else 1)' "$out"
check "the released file is the original" cmp -s "${released:-/nonexistent}" "$tmp/drop.bin"

out=$(qb verify --blobs 2>&1)
check "verify --blobs passes on node B" grep -q "every original present and unchanged" <<<"$out"
sha=$(qb show "$file_id" --json | $py -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
sql "UPDATE mq_chunks SET data = set_byte(data, 7, 255 - get_byte(data, 7)) WHERE sha256 = '$sha' AND seq = 1"
out=$(qb verify --blobs 2>&1)
rc=$?
check "verify --blobs catches a damaged chunk" bash -c '[[ $1 == 1 ]] && grep -q "damaged" <<<"$2" && grep -q "$3" <<<"$2"' _ "$rc" "$out" "$file_id"
sql "UPDATE mq_chunks SET data = set_byte(data, 7, 255 - get_byte(data, 7)) WHERE sha256 = '$sha' AND seq = 1"

# ---- migrate-store: a node whose originals are still files
c=$tmp/c
mkdir -p "$c"
conf_c=(-o "quarantine.dir=$c/quarantine" -o "quarantine.index=$uri" -o quarantine.store=dir
	-o "audit.checkpoint_file=$c/cp.jsonl" -o "audit.checkpoint_key=$c/cp.key")
head -c 400000 /dev/urandom >"$tmp/old1.bin"
printf 'MZ' | dd of="$tmp/old1.bin" conv=notrunc status=none
printf 'MZ old tool %s\n' "$RANDOM" >"$tmp/old2.exe"
old1=$("$mugai" quarantine "${conf_c[@]}" import "$tmp/old1.bin" --channel file | awk '{print $1}')
old2=$("$mugai" quarantine "${conf_c[@]}" import "$tmp/old2.exe" --channel file | awk '{print $1}')
out=$(MUGAI_PASSWORD='bob password' qb download "$old1" --out "$b/old1" --user bob 2>&1)
check "before the move, node B cannot read an original kept in files" \
	bash -c '[[ ! -s $1 ]] && grep -q "missing" <<<"$2"' _ "$b/old1" "$out"
out=$("$mugai" quarantine "${conf_c[@]}" migrate-store --to postgresql 2>&1)
check "migrate-store copies the directory's two originals" grep -q "^2 originals copied" <<<"$out"
out=$("$mugai" quarantine "${conf_c[@]}" migrate-store --to postgresql 2>&1)
check "migrate-store again copies none" grep -q "^0 originals copied" <<<"$out"
MUGAI_PASSWORD='bob password' qb download "$old1" --out "$b/old1" --user bob >/dev/null
MUGAI_PASSWORD='bob password' qb download "$old2" --out "$b/old2" --user bob >/dev/null
check "node B reads the moved originals" bash -c 'cmp -s "$1" "$2" && cmp -s "$3" "$4"' _ \
	"$b/old1" "$tmp/old1.bin" "$b/old2" "$tmp/old2.exe"
out=$(qb verify --blobs 2>&1)
check "verify --blobs passes after the move" grep -q "every original present and unchanged" <<<"$out"
check "the move is in the audit log" grep -q "migrate_store" <<<"$(qb audit --limit 1000)"
out=$("$mugai" quarantine -o quarantine.store=postgresql -o "quarantine.index=sqlite:$c/x.db" \
	-o "quarantine.dir=$c/x" list 2>&1)
check "quarantine.store = postgresql refuses an SQLite index" grep -q "postgresql:// index" <<<"$out"
out=$("$mugai" check-config -o quarantine.store=postgresql -o "quarantine.index=sqlite:$c/x.db" \
	-o "quarantine.dir=$c/x" 2>&1)
check "check-config says quarantine.store = postgresql needs a postgresql:// index" \
	grep -q "needs a postgresql:// quarantine.index" <<<"$out"

finish
