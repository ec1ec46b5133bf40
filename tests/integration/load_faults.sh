#!/usr/bin/env bash
# Reliability under load and faults.  A sender of our own (lib/
# load_sender.py, recording the reply to every message) sends a few
# thousand mixed mails through mugaid to smtp-sink while this script:
#   - kills smtpd processes with SIGKILL (the master starts them again),
#   - kills sandboxed worker processes with SIGKILL,
#   - stops the next hop for a while,
#   - fills the quarantine's file system (a small tmpfs) and frees it.
# Then, exactly: every message the sender saw 250 for reached the next hop
# sanitised and its original is in the quarantine; every other one got a
# 4xx or lost its connection (so the sender still has it), never a 5xx;
# nothing reached the next hop without passing mugai.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

count=${LOAD_COUNT:-3000}
# spread over about 30 s: the faults below (2 to 20 s in) then meet a fixed
# share of the load, not all of it on a fast machine
rate=${LOAD_RATE:-100}
qfs=$tmp/qfs
mkdir -p "$qfs"
disk_full=
if [[ $EUID == 0 ]] && mount -t tmpfs -o size=256m,mode=0777 mugai-test "$qfs" 2>/dev/null; then
	disk_full=yes
fi
load_cleanup() {
	stop_all
	[[ -n $disk_full ]] && umount "$qfs" 2>/dev/null
	cleanup
}
trap load_cleanup EXIT
chmod 777 "$qfs"

sink_port=$(free_port)
sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=4 \
	-o policy.max_size=300K -o "quarantine.dir=$qfs/q" -o "quarantine.index=sqlite:$qfs/q/index.db" \
	-o relay.timeout=20s || { ko "mugaid starts"; finish; exit 1; }

smtpds() { pgrep -P "$mugaid_pid" -x mugai-smtpd; }
zygotes() { for p in $(smtpds); do pgrep -P "$p" -x mugai-worker; done; }
workers() { # the zygotes under each smtpd, and the job processes under them
	local z
	for z in $(zygotes); do
		echo "$z"
		pgrep -P "$z" -x mugai-worker
	done
}
kill_random() { # kill_random WHAT PIDS...: SIGKILL one of them
	local what=$1
	shift
	(($#)) || { echo "     (no $what to kill)"; return; }
	local victim=${*:$((RANDOM % $# + 1)):1}
	kill -KILL "$victim" 2>/dev/null && echo "     killed $what $victim"
}

results=$tmp/results.jsonl
$py "$here/lib/load_sender.py" --port "$smtp_port" --count "$count" --concurrency 6 \
	--rate "$rate" --big-every 97 --corpus "$corpus" --out "$results" 2>"$tmp/sender.txt" &
sender=$!
pids_to_stop+=("$sender")
t0=$SECONDS
at() { while ((SECONDS - t0 < $1)) && kill -0 "$sender" 2>/dev/null; do sleep 0.2; done; kill -0 "$sender" 2>/dev/null; }
faults=0
if at 2; then echo "  fault: SIGKILL an smtpd"; kill_random smtpd $(smtpds); faults=$((faults + 1)); fi
# one zygote for sure: a spare job killed while it waits is replaced
# quietly, and the restarts counted below need a zygote to restart
if at 4; then echo "  fault: SIGKILL two workers"; kill_random zygote $(zygotes); sleep 0.3; kill_random worker $(workers); faults=$((faults + 1)); fi
if at 6; then
	echo "  fault: next hop down for 5 s"
	stop_sink
	at 11
	start_sink "$sink_port" "$sink"
	faults=$((faults + 1))
fi
if [[ -n $disk_full ]] && at 13; then
	echo "  fault: quarantine file system full for 5 s"
	fallocate -l "$(($(df --output=avail -B1 "$qfs" | tail -1) - 4096))" "$qfs/filler" 2>/dev/null
	dd if=/dev/zero of="$qfs/filler2" bs=4k 2>/dev/null
	echo "     $(df --output=avail -B1 "$qfs" | tail -1) bytes left"
	at 18
	rm -f "$qfs/filler" "$qfs/filler2"
	faults=$((faults + 1))
elif [[ -z $disk_full ]]; then
	echo "  (quarantine disk-full fault skipped: tmpfs cannot be mounted here)"
fi
if at 20; then echo "  fault: SIGKILL an smtpd and a worker"; kill_random smtpd $(smtpds); kill_random worker $(workers); faults=$((faults + 1)); fi
wait "$sender"
cat "$tmp/sender.txt"
check "the load ran while every fault was injected ($faults faults)" test "$faults" -ge 4

# give the last deliveries a moment, then take stock
sleep 1
grep -h "^X-Mugai-Id: " "$sink"/* 2>/dev/null | awk '{print $2}' | tr -d '\r' | sort >"$tmp/sink_ids"
q list --json --limit 10000 | $py -c 'import json,sys; [print(i["item_id"]) for i in json.load(sys.stdin)]' | sort >"$tmp/q_ids"
# every transfer to the next hop starts with mugai's Received: line, even
# one cut short by a fault (smtp-sink keeps what it got; a dump with none
# of the message after its own header lines is a transfer that never began)
$py - "$sink" >"$tmp/unsanitised" <<'EOF2'
import os, sys
cut = 0
for name in sorted(os.listdir(sys.argv[1])):
    lines = open(os.path.join(sys.argv[1], name), "rb").read().split(b"\n")
    i = 0
    while i < len(lines) and lines[i].split(b":")[0] in (b"X-Client-Addr", b"X-Client-Proto",
                                                          b"X-Helo-Args", b"X-Mail-Args", b"X-Rcpt-Args"):
        i += 1
    if i < len(lines) and b"by smtp-sink" in b"".join(lines[i:i + 3]):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    rest = lines[i:]
    if not any(l.strip() for l in rest):
        cut += 1
        continue
    if b"(mugai) with ESMTP" not in b" ".join(rest[:3]):
        print(name)
print("transfers cut before any content: %d" % cut, file=sys.stderr)
EOF2
grep -lE "X-Mugai-Verdict: (blocked|error)" "$sink"/* 2>/dev/null | xargs -r grep -h "^X-Mugai-Id: " | awk '{print $2}' | tr -d '\r' | sort >"$tmp/notice_ids"

$py - "$results" "$tmp/sink_ids" "$tmp/q_ids" "$tmp/notice_ids" "$count" >"$tmp/verdict.txt" <<'EOF'
import json, sys
res = [json.loads(l) for l in open(sys.argv[1])]
sink = open(sys.argv[2]).read().split()
quar = set(open(sys.argv[3]).read().split())
notices = set(open(sys.argv[4]).read().split())
count = int(sys.argv[5])
sink_set = set(sink)
acc = [r for r in res if r["code"] == 250]
temp = [r for r in res if 400 <= r["code"] < 500]
perm = [r for r in res if r["code"] >= 500]
lost = [r for r in res if r["code"] < 0]
acc_ids = [r["id"] for r in acc]
missing_sink = [i for i in acc_ids if i not in sink_set]
missing_q = [i for i in acc_ids if i not in quar]
big_ok = [r for r in acc if r["kind"] == "big"]
big_not_notice = [r["id"] for r in big_ok if r["id"] not in notices]
extra = sink_set - set(acc_ids)
print("sender: %d sent, %d answered 250, %d 4xx, %d 5xx, %d connection lost"
      % (len(res), len(acc), len(temp), len(perm), len(lost)))
print("next hop: %d messages, %d distinct items; quarantine: %d items"
      % (len(sink), len(sink_set), len(quar)))
print("accepted but not at the next hop: %d; accepted but not in the quarantine: %d"
      % (len(missing_sink), len(missing_q)))
print("at the next hop without a 250 to the sender (the sender retries: a duplicate): %d" % len(extra))
print("blocked whole and accepted: %d, of which delivered as a notice: %d"
      % (len(big_ok), len(big_ok) - len(big_not_notice)))
print("accepted as a notice because their worker was killed mid-item (fail closed): %d"
      % len([r for r in acc if r["kind"] != "big" and r["id"] in notices]))
print("RESULT %d %d %d %d %d %d %d %d %d" % (len(res), count, len(acc), len(perm),
      len(missing_sink), len(missing_q), len(set(acc_ids)) != len(acc_ids), len(big_not_notice),
      len(temp) + len(lost)))
EOF
cat "$tmp/verdict.txt"
read -r _ nres ncount nacc nperm nmiss_sink nmiss_q dup_ids big_bad nfail < <(grep '^RESULT' "$tmp/verdict.txt")
check "every message got an answer or a recorded error ($nres of $ncount)" test "$nres" = "$ncount"
check "most messages went through despite the faults ($nacc accepted)" test "$nacc" -ge $((ncount / 2))
check "the faults were felt: some messages were refused with 4xx or lost ($nfail)" test "$nfail" -gt 0
check "no message got a 5xx" test "$nperm" = 0
check "every 250 reached the next hop" test "$nmiss_sink" = 0
check "every 250 has its original in the quarantine" test "$nmiss_q" = 0
check "every item id was given once" test "$dup_ids" = 0
check "every accepted over-limit message arrived as a notice" test "$big_bad" = 0
check "nothing reached the next hop without passing mugai" test ! -s "$tmp/unsanitised" || { head -3 "$tmp/unsanitised"; for f in $(head -2 "$tmp/unsanitised"); do ls -la "$f"; head -c 400 "$f"; echo; done; }
check "nothing delivered has text/html, a macro type or the executable" \
	bash -c '! grep -lqE "^Content-Type: text/html|macroEnabled|filename=\"?tool[0-9]+\.exe" "$1"/*' _ "$sink"
check "the master restarted the killed smtpd processes" \
	grep -qE '"event":"service_started".*"restarts":[1-9]' "$log"
metrics=$(metrics_of "$admin_port")
check "/metrics counted worker restarts" grep -qE '^mugai_worker_restarts_total [1-9]' <<<"$metrics"
check "/metrics counted deferred mail" grep -qE '^mugai_items_total\{channel="mail",verdict="deferred"\} [1-9]' <<<"$metrics"
if [[ -n $disk_full ]]; then
	check "the full quarantine was reported as such" grep -q '"reason":"quarantine: ' "$log"
fi
check "mugaid still serves after all that" bash -c '"$4" "$1/lib/send_mail.py" --port "$2" "$3" | grep -q "^250 "' _ "$here" "$smtp_port" "$corpus/mail/mikel_basic_email.eml" "$py"
stop_mugaid
finish
