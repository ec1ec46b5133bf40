#!/usr/bin/env bash
# PostgreSQL stopped for 10 s under load: mugaid (index and originals in
# PostgreSQL) takes mails from a sender of our own (lib/load_sender.py)
# and files dropped one after another while the server goes away and comes
# back.  While it is away nothing is accepted that cannot be stored: smtpd
# answers 451 (at the end of DATA when it meets the outage, at MAIL once
# it knows), dropd keeps the files and tries again.  When it is back, work
# resumes without restarting anything.  Then, exactly: no 5xx; every mail
# answered 250 reached the next hop and is in the quarantine; every
# dropped file has exactly one report (and its item in the quarantine);
# the same mugaid and smtpd processes still serve; verify --blobs passes.
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

count=${LOAD_COUNT:-500}
rate=${LOAD_RATE:-25} # about 20 s of load: the outage (4 s to 14 s in) meets half of it
files=${DROP_COUNT:-40}

sink_port=$(free_port)
sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o "quarantine.index=$uri" \
	-o quarantine.store=postgresql -o workers.count=2 -o drop.rescan=2s -o drop.settle=1s \
	-o relay.timeout=20s || { ko "mugaid starts"; finish; exit 1; }
inbox=$gw/inbox outbox=$gw/outbox
mkdir -p "$inbox"
chmod 777 "$inbox"
smtpds() { pgrep -P "$mugaid_pid" -x mugai-smtpd | sort | tr '\n' ' '; }
before=$(smtpds)

results=$tmp/results.jsonl
$py "$here/lib/load_sender.py" --port "$smtp_port" --count "$count" --concurrency 4 \
	--rate "$rate" --kinds text,html,japanese --out "$results" 2>"$tmp/sender.txt" &
sender=$!
pids_to_stop+=("$sender")
# files dropped one by one over the same time, each made here
(
	for i in $(seq "$files"); do
		printf 'report %d of the load run, %s\n' "$i" "$RANDOM$RANDOM" >"$inbox/.f-$i.txt.part"
		mv "$inbox/.f-$i.txt.part" "$inbox/f-$i.txt"
		sleep 0.45
	done
) &
dropper=$!
pids_to_stop+=("$dropper")

t0=$SECONDS
while ((SECONDS - t0 < 4)); do sleep 0.2; done
echo "  fault: PostgreSQL stopped for 10 s"
bash "$pg" halt "$uri"
while ((SECONDS - t0 < 14)); do sleep 0.2; done
bash "$pg" resume "$uri" || ko "PostgreSQL starts again"
wait "$dropper"
wait "$sender"
cat "$tmp/sender.txt"

reports() { find "$outbox" -name '*.report.json' | wc -l; }
# no file left in the inbox (its .claims/NODE folder stays)
settled() { [[ -z $(find "$inbox" -type f) && $(reports) -ge $files ]]; }
check "dropd took every file once PostgreSQL was back" wait_until 60 settled
after=$(smtpds)
check "the same mugaid still runs" kill -0 "$mugaid_pid"
check "no smtpd was restarted ($before)" test "$before" = "$after"
check "a mail after the outage gets 250" \
	bash -c '"$4" "$1/lib/send_mail.py" --port "$2" "$3" | grep -q "^250 "' _ "$here" "$smtp_port" \
	"$corpus/mail/mikel_basic_email.eml" "$py"

sleep 1
grep -h "^X-Mugai-Id: " "$sink"/* 2>/dev/null | awk '{print $2}' | tr -d '\r' | sort >"$tmp/sink_ids"
q list --json --limit 10000 | $py -c 'import json,sys; [print(i["item_id"]) for i in json.load(sys.stdin)]' | sort >"$tmp/q_ids"
$py - "$results" "$tmp/sink_ids" "$tmp/q_ids" "$count" >"$tmp/verdict.txt" <<'EOF'
import json, sys
res = [json.loads(l) for l in open(sys.argv[1])]
sink = set(open(sys.argv[2]).read().split())
quar = set(open(sys.argv[3]).read().split())
acc = [r for r in res if r["code"] == 250]
temp = [r for r in res if 400 <= r["code"] < 500]
at_mail = [r for r in temp if "quarantine is unreachable" in r.get("text", "")]
perm = [r for r in res if r["code"] >= 500]
lost = [r for r in res if r["code"] < 0]
ids = [r["id"] for r in acc]
print("sender: %d sent, %d answered 250, %d 4xx (%d of them at MAIL), %d 5xx, %d connection lost"
      % (len(res), len(acc), len(temp), len(at_mail), len(perm), len(lost)))
for why in sorted(set(r.get("text", "") for r in lost))[:3]:
    print("  connection lost: %s" % why)
print("RESULT %d %d %d %d %d %d %d %d" % (len(res), len(acc), len(temp), len(at_mail), len(perm),
      len([i for i in ids if i not in sink]), len([i for i in ids if i not in quar]),
      len(set(ids)) != len(ids)))
EOF
cat "$tmp/verdict.txt"
read -r _ nres nacc ntemp nmail nperm nmiss_sink nmiss_q dup < <(grep '^RESULT' "$tmp/verdict.txt")
check "every mail got an answer ($nres of $count)" test "$nres" = "$count"
check "the outage was felt: mails refused with 4xx ($ntemp)" test "$ntemp" -gt 0
check "smtpd refused at MAIL once it knew ($nmail)" test "$nmail" -gt 0
check "no mail got a 5xx" test "$nperm" = 0
check "mails went through before and after ($nacc)" test "$nacc" -ge $((count / 4))
check "every 250 reached the next hop" test "$nmiss_sink" = 0
check "every 250 has its original in the quarantine" test "$nmiss_q" = 0
check "every item id was given once" test "$dup" = 0

check "dropd kept files while PostgreSQL was away" grep -q 'kept for a later attempt' "$log"
$py - "$outbox" "$files" "$tmp/q_ids" >"$tmp/drops.txt" <<'EOF'
import json, os, re, sys
out, n = sys.argv[1], int(sys.argv[2])
quar = set(open(sys.argv[3]).read().split())
per = {i: [] for i in range(1, n + 1)}
for root, _, names in os.walk(out):
    for name in names:
        m = re.match(r"f-(\d+)\.txt.*\.report\.json$", name)
        if m:
            per[int(m.group(1))].append(json.load(open(os.path.join(root, name))))
bad = [i for i, r in per.items() if len(r) != 1]
ids = [r[0].get("item_id") or r[0].get("item", {}).get("id") for r in per.values() if len(r) == 1]
unknown = [i for i in ids if i not in quar]
print("files with other than one report: %s" % bad)
print("RESULT %d %d" % (len(bad), len(unknown)))
EOF
cat "$tmp/drops.txt"
read -r _ nbad nunknown < <(grep '^RESULT' "$tmp/drops.txt")
check "every dropped file has exactly one report" test "$nbad" = 0
check "every report names an item in the quarantine" test "$nunknown" = 0
out=$(q verify --blobs 2>&1)
check "verify --blobs passes after the outage" grep -q "every original present and unchanged" <<<"$out"
stop_mugaid
finish
