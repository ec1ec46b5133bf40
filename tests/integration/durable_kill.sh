#!/usr/bin/env bash
# A 250 means the item is kept: kill -9 of mugaid's whole process group
# the moment a 250 arrives, from three sessions at once, and for every
# acknowledged mail the original, its index row and its audit entries are
# there (verify --blobs passes, the item is listed, its trail has "store"
# and the delivery).  Then the fsyncs before each 250, by file: with the
# default store (index) one commit of the index, the original in it; with
# quarantine.store = dir the blob, its directory, one commit of the index
# (the layout's directories for the first item only; the delivery entry
# rides on the next commit).
set -uo pipefail
source "$(dirname "$0")/lib/gateway.bash"

# mugaid leads its own process group, so that kill -9 of the group is a
# crash of the whole gateway, and the test survives it
wrapper=$tmp/mugaid-setsid
printf '#!/bin/sh\nexec setsid %q "$@"\n' "$mugaid" >"$wrapper"
chmod 755 "$wrapper"
real_mugaid=$mugaid
mugaid=$wrapper

sink_port=$(free_port)
start_sink "$sink_port" "$tmp/sink" || { ko "smtp-sink starts"; finish; exit; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=2 ||
	{ ko "mugaid starts"; finish; exit; }
pgid=$(ps -o pgid= -p "$mugaid_pid" | tr -d ' ')
[[ $pgid == "$mugaid_pid" ]] && ok "mugaid leads its own process group" ||
	ko "mugaid's group is $pgid, not $mugaid_pid"

cat >"$tmp/kill_sender.py" <<'PY'
import os, re, signal, smtplib, sys, threading
port, pgid = int(sys.argv[1]), int(sys.argv[2])
lock, acked, killed = threading.Lock(), [], threading.Event()
def session(k):
    try:
        for n in range(50):
            s = smtplib.SMTP("127.0.0.1", port, timeout=30)
            s.ehlo("t")
            s.mail("a@example.org")
            s.rcpt("b@example.lg.jp")
            code, msg = s.data(("From: a@example.org\r\nTo: b@example.lg.jp\r\n"
                                "Subject: durable %d-%d\r\n\r\nsession %d mail %d\r\n"
                                % (k, n, k, n)).encode())
            with lock:
                if code == 250:
                    acked.append(re.search(r"Ok: (\S+)", msg.decode()).group(1))
                if len(acked) >= 3 and not killed.is_set():
                    killed.set()
                    os.killpg(pgid, signal.SIGKILL)
            if killed.is_set():
                return
            s.quit()
    except (OSError, smtplib.SMTPException):
        return
threads = [threading.Thread(target=session, args=(k,)) for k in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(acked))
PY
$py "$tmp/kill_sender.py" "$smtp_port" "$pgid" >"$tmp/acked" 2>"$tmp/sender.err"
wait "$mugaid_pid" 2>/dev/null
mugaid_pid=
mapfile -t ids <"$tmp/acked"
((${#ids[@]} >= 3)) && ok "the group was killed at the third 250 (${#ids[@]} acknowledged)" ||
	{ ko "only ${#ids[@]} mails acknowledged: $(cat "$tmp/sender.err")"; finish; exit; }
wait_until 5 bash -c "! pgrep -g $pgid >/dev/null"
left=$(pgrep -g "$pgid" | wc -l)
[[ $left == 0 ]] && ok "nothing of the group survived" || ko "$left processes of the group left"

verify=$(q verify --blobs 2>&1)
check "verify --blobs passes after the kill" grep -q "every original present and unchanged" <<<"$verify" ||
	echo "$verify"
listed=$(q list --limit 1000)
for id in "${ids[@]}"; do
	check "acknowledged $id is listed" grep -q "$id" <<<"$listed"
	trail=$(q show "$id" 2>&1)
	check "acknowledged $id has its store entry" grep -qw "store" <<<"$trail"
	check "acknowledged $id has its delivery entry" grep -qw "deliver" <<<"$trail"
done

# The fsyncs before each 250, by file (strace -y names them).  Index
# store: one commit of the index (the item's row, its original's chunks
# and entry, the delivery entry of the item before with it), nothing else.
# Dir store: the blob, its fan-out directory DIR/ab, one commit of the
# index; the first item also makes the one-level layout durable (its
# marker, the store directory with all 256 fan-out directories made up
# front); after it no item makes or fsyncs any other directory.  Either
# way the first commit creates the WAL, whose directory SQLite fsyncs once.
if ! command -v strace >/dev/null; then
	echo "skip the fsync count (strace is not installed)"
	finish
	exit
fi
mugaid=$real_mugaid
cat >"$tmp/four.py" <<'PY'
import smtplib, sys
for n in range(4):
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
    s.sendmail("a@example.org", ["b@example.lg.jp"],
               "From: a@example.org\r\nSubject: traced %d\r\n\r\nmail %d\r\n" % (n, n))
    s.quit()
PY
cat >"$tmp/fsyncs.py" <<'PY'
import re, sys
trace, store, kind = sys.argv[1], sys.argv[2], sys.argv[3]
items, cur = [], []
for line in open(trace):
    m = re.search(r"\b(?:fsync|fdatasync)\(\d+<([^>]*)>\)\s+= 0", line)
    if m:
        cur.append(m.group(1))
    elif re.search(r'"250 2\.0\.0 Ok: ', line):
        items.append(cur)
        cur = []
bad = [] if len(items) == 4 else ["%d replies seen" % len(items)]
for k, synced in enumerate(items):
    wal = [f for f in synced if f.endswith("index.db-wal")]
    blob = [f for f in synced if ".tmp." in f]
    leaf = [f for f in synced if re.fullmatch(re.escape(store) + r"/[0-9a-f]{2}", f)]
    fanout = [f for f in synced if f == store]
    marker = [f for f in synced if f == store + "/.fanout-1"]
    other = [f for f in synced if f not in wal + blob + leaf + fanout + marker]
    first = k == 0
    if kind == "index":
        wrong = len(wal) != 1 or blob or leaf or marker or len(fanout) > first or other
    else:
        wrong = (len(wal) != 1 or len(blob) != 1 or len(leaf) != 1 or len(marker) != first or
                 len(fanout) > (3 if first else 0) or other)
    if wrong:
        bad.append("item %d: %s" % (k, synced))
print("; ".join(bad) if bad else "ok")
PY
for store in index dir; do
	stop_mugaid
	rm -rf "$gw"
	start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=1 \
		-o "quarantine.store=$store" || { ko "mugaid starts again ($store store)"; continue; }
	smtpd=$(pgrep -f -P "$mugaid_pid" 'mugaid: smtpd\[0\]' | head -1)
	strace -f -y -p "$smtpd" -o "$tmp/trace-$store" -e trace=fsync,fdatasync,sendto,write \
		2>/dev/null &
	tracer=$!
	sleep 1
	$py "$tmp/four.py" "$smtp_port"
	sleep 0.3
	kill "$tracer" 2>/dev/null
	wait "$tracer" 2>/dev/null
	verdict=$($py "$tmp/fsyncs.py" "$tmp/trace-$store" "$(cd "$gw/quarantine" && pwd)" "$store")
	if [[ $store == index ]]; then
		what="before each 250 (index store): one commit of the index, nothing else"
	else
		what="before each 250 (dir store): the blob, its directory, one commit of the index"
	fi
	[[ $verdict == ok ]] && ok "$what" || ko "$what: $verdict"
done
finish
