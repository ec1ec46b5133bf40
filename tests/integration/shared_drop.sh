#!/usr/bin/env bash
# One shared drop folder, two nodes (issue 10, item 3): two mugaid with
# different daemon.node watch one inbox and write one outbox, with one
# index (a throwaway PostgreSQL, originals in it; a shared SQLite file
# when no PostgreSQL server is installed).  200 files dropped at once:
# each comes out exactly once (one report naming it, one item in the
# quarantine), both nodes took some, no claim is left.  Then node gw1 is
# killed with SIGKILL while it holds a claim (frozen mid-item first, so
# that the claim is certainly there): after drop.claim_timeout gw2 takes
# the claim over (its log and a drop_takeover audit entry say so) and
# every file of that batch comes out.  Last, gw1 alone is killed holding a
# claim and started again under its name: it resumes its own claim.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"
pg=$here/../../scripts/pg-test.sh

count=${DROP_COUNT:-200}
shared=$tmp/shared
inbox=$shared/inbox outbox=$shared/outbox
mkdir -p "$inbox" "$outbox" "$shared/quarantine"
chmod -R 777 "$shared" # people drop files there; mugaid's own user takes them

uri=$(bash "$pg" start 2>/dev/null)
if [[ -n $uri ]]; then
	trap 'cleanup; bash "$pg" stop "$uri"' EXIT
	index=(-o "quarantine.index=$uri" -o quarantine.store=postgresql)
	sql() { psql -qtA "$uri" -c "$1"; }
	echo "     index: PostgreSQL"
else
	index=(-o "quarantine.index=sqlite:$shared/quarantine/index.db" -o "quarantine.dir=$shared/quarantine")
	sql() { $py -c 'import sqlite3,sys; [print(*r, sep="|") for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' \
		"$shared/quarantine/index.db" "$1"; }
	echo "     index: one SQLite file (no PostgreSQL server installed)"
fi

# start_node NAME: a mugaid of its own (directory, ports, log) on the
# shared inbox, outbox and index; sets pid_NAME and log_NAME
start_node() {
	local name=$1
	gw=$tmp/$name log=$tmp/$name/mugaid.log smtp_port= admin_port=
	start_mugaid -o "daemon.node=$name" -o "relay.next_hop=dir:$gw/mail" -o workers.count=1 \
		-o "drop.inbox=$inbox" -o "drop.outbox=$outbox" -o drop.settle=1s -o drop.rescan=1s \
		-o drop.claim_timeout=4s "${index[@]}" || return 1
	printf -v "pid_$name" %s "$mugaid_pid"
	printf -v "log_$name" %s "$log"
	pids_to_stop+=("$mugaid_pid")
	mugaid_pid=
}
start_node gw1 || { ko "node gw1 starts"; finish; exit 1; }
start_node gw2 || { ko "node gw2 starts"; finish; exit 1; }
# forget PID: a node that ended is not stopped again at the end (its pid
# may be another process's by then)
forget() {
	local keep=() p
	for p in "${pids_to_stop[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
	pids_to_stop=("${keep[@]}")
}
# every process of a node, the master's descendants
tree() { local p; for p in $(pgrep -P "$1"); do echo "$p"; tree "$p"; done; }
dropd_of() { pgrep -f -P "$1" 'mugaid: dropd' | head -1; }

# drop BATCH N: N files of distinct content, each written under a
# temporary name and renamed in (as a client does)
drop() {
	for i in $(seq "$2"); do
		printf '%s file %d of the shared inbox run, %s\n' "$1" "$i" "$RANDOM$RANDOM" >"$inbox/.$1-$i.txt.part"
		mv "$inbox/.$1-$i.txt.part" "$inbox/$1-$i.txt"
	done
}
# how many reports name each inbox path of a batch (one line each: N PATH)
report_counts() {
	find "$outbox" -name '*.report.json' -print0 | xargs -0 -r $py -c '
import json, sys, collections
n = collections.Counter(json.load(open(f))["gateway"]["inbox_path"] for f in sys.argv[1:])
for k, v in sorted(n.items()):
    print(v, k)' | grep " $1-" || true
}
files_left() { find "$inbox" -type f | wc -l; }
reported() { [[ $(report_counts "$1" | wc -l) -ge $2 && $(files_left) == 0 ]]; }

# ---- 200 files, two nodes: each exactly once
drop a "$count"
check "all $count files came out and the inbox is empty" wait_until 300 reported a "$count"
sleep 3 # two more rescans: a file taken twice would show now
counts=$(report_counts a)
check "$count distinct files reported" test "$(wc -l <<<"$counts")" = "$count"
check "none reported twice" test -z "$(awk '$1 != 1' <<<"$counts")"
check "one output file per input (no 'name (2)' variant)" \
	test -z "$(find "$outbox" -name 'a-* (*' | head -1)"
items=$(sql "SELECT subject, node FROM mq_items WHERE channel = 'file' AND subject LIKE 'a-%'")
check "one item per file in the index" test "$(wc -l <<<"$items")" = "$count"
check "no file has two items" test -z "$(cut -d'|' -f1 <<<"$items" | sort | uniq -d)"
n1=$(grep -c '|gw1$' <<<"$items") n2=$(grep -c '|gw2$' <<<"$items")
echo "     gw1 took $n1, gw2 took $n2"
check "both nodes took files" test "$n1" -gt 0 -a "$n2" -gt 0
check "no claim is left" test -z "$(find "$inbox/.claims" -type f)"
check "no lease is left" test "$(sql 'SELECT count(*) FROM mq_drop_leases')" = 0

# wait_claim SECONDS: until gw1 holds a claim, looking without a child
# process (kill -STOP must follow at once): a claim lasts as long as its
# file's item, 7 to 9 ms for these files on a virtual machine with slow
# page faults, where a find(1) or a sleep(1) between looks took as long
# (and the batch was all taken while it was still being dropped) and 40
# batches went by unseen
wait_claim() {
	local f end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shopt -s globstar nullglob dotglob
	while ((${EPOCHREALTIME/./} < end)); do
		for f in "$inbox/.claims/gw1"/**; do
			[[ -f $f ]] && { shopt -u globstar nullglob dotglob; return 0; }
		done
	done
	shopt -u globstar nullglob dotglob
	return 1
}
# kill_holding BATCH: drops files in batches BATCH1, BATCH2 ... until gw1
# is seen holding a claim, then freezes its dropd there and kills the
# whole node with SIGKILL, as a power cut (no clean-up runs); sets killed
# (the batches dropped) and held (the claim left)
kill_holding() {
	local attempt d1
	killed= held=
	for attempt in $(seq 40); do
		d1=$(dropd_of "$pid_gw1")
		# dropped in the background: each file may be taken and done
		# before the next one's mv has started
		drop "$1$attempt" 5 &
		wait_claim 4
		[[ -n $d1 ]] && kill -STOP "$d1"
		wait $!
		held=$(find "$inbox/.claims/gw1" -type f | head -1)
		if [[ -n $held ]]; then
			kill -KILL "$pid_gw1" $(tree "$pid_gw1") 2>/dev/null
			killed=$attempt
			wait "$pid_gw1" 2>/dev/null
			forget "$pid_gw1"
			return 0
		fi
		[[ -n $d1 ]] && kill -CONT "$d1"
	done
	return 1
}
# all_out BATCH: every file of the batches kill_holding dropped came out
all_out() {
	local n=0 a
	for a in $(seq "$killed"); do n=$((n + $(report_counts "$1$a" | wc -l))); done
	[[ $n -ge $((killed * 5)) && $(files_left) == 0 ]]
}

# ---- gw1 killed with SIGKILL holding a claim: gw2 takes it over
kill_holding b
check "gw1 killed while holding a claim (${held#"$inbox/"})" test -n "$killed"
check "gw1 is gone" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid_gw1"
t_kill=$SECONDS
# by the clock, not by waiting: a claim younger than drop.claim_timeout
# (4 s, whole seconds of its ctime) is still the dead node's
age=$(($(date +%s) - $(stat -c %Z "$held" 2>/dev/null || echo 0)))
if ((age < 3)); then
	check "a young claim stays with its dead node for now (${age} s old)" test -e "$held"
fi
check "gw2 takes the claim over" wait_until 60 grep -q "took over .* from node gw1" "$log_gw2"
echo "     taken over $((SECONDS - t_kill)) s after the kill (claim_timeout 4 s)"
check "and audits it" test "$(sql "SELECT count(*) FROM mq_audit WHERE action = 'drop_takeover' AND actor = 'dropd:gw2'")" -ge 1
check "every file of the second batch came out ($((killed * 5)))" wait_until 60 all_out b
check "gw1's claim folder is empty" test -z "$(find "$inbox/.claims/gw1" -type f)"
check "gw2 still runs" kill -0 "$pid_gw2"

# ---- gw1 alone, killed holding a claim and started again under its name:
# it resumes its own claim at start-up, with no takeover
kill -TERM "$pid_gw2"
wait "$pid_gw2" 2>/dev/null
forget "$pid_gw2"
start_node gw1 || ko "gw1 starts again"
kill_holding c
check "gw1 killed again holding a claim (${held#"$inbox/"})" test -n "$killed"
start_node gw1 || ko "gw1 starts once more"
check "restarted, gw1 finishes its own claims: every file of the third batch came out" \
	wait_until 60 all_out c
check "gw1's claim folder is empty again" test -z "$(find "$inbox/.claims/gw1" -type f)"
check "its own claims were not taken over" \
	test "$(sql "SELECT count(*) FROM mq_audit WHERE action = 'drop_takeover' AND actor = 'dropd:gw1'")" = 0
held_name=${held##*/}
check "the held file's item is gw1's" grep -q "^${held_name}|gw1$" \
	<<<"$(sql "SELECT subject, node FROM mq_items WHERE channel = 'file' AND subject LIKE 'c%'")"
finish
