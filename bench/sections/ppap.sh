#!/usr/bin/env bash
# PPAP through mugaid, in one run: plain mails (a text file zipped
# without a password) per second, then paired PPAP mails per second: a
# mail with the same file zipped with zip -P, then a mail from the same
# sender with the password in its body; a pair counts once its follow-up
# (the zip opened in the sandbox, sanitised, mailed on) has gone to
# smtp-sink.  Every pair has its own sender.  BENCH_PPAP_COUNT sets the
# mails (and pairs) per run.
set -euo pipefail
root=$(pwd)
export MUGAI_BUILD=$root/$BUILD
if [ ! -x "$MUGAI_BUILD/gateway/mugaid" ] || ! command -v smtp-sink >/dev/null ||
	! command -v zip >/dev/null; then
	echo "ppap: mugaid, smtp-sink or zip missing, skipped"
	exit 0
fi
set +e
source "$root/tests/integration/lib/gateway.bash"
set -e
source "$root/bench/lib.sh"
trap 'set +e; cleanup' EXIT
count=${BENCH_PPAP_COUNT:-200}
sessions=4
password='Bench-Kagi#2026'

mkdir -p "$tmp/make"
seq 1 2000 | sed 's/^/議事録の行 /' >"$tmp/make/議事録.txt"
(cd "$tmp/make" && zip -q plain.zip 議事録.txt && zip -q -P "$password" ppap.zip 議事録.txt)

sink_port=$(free_port)
smtp-sink -u nobody "127.0.0.1:$sink_port" 200 &
pids_to_stop+=("$!")
wait_until 5 listening "$sink_port"
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" >/dev/null

secs_of() { sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$1"; }
failed_of() { sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$1"; }
unlocked() { grep -c 'unlocked with the password of mail' "$log" || true; }

out=$($py "$root/bench/send_ppap.py" --port "$smtp_port" --count "$count" \
	--sessions "$sessions" --plain "$tmp/make/plain.zip")
plain=$(awk -v n="$count" -v s="$(secs_of "$out")" 'BEGIN{printf "%.1f", n / s}')
plain_failed=$(failed_of "$out")

t0=$(date +%s.%N)
out=$($py "$root/bench/send_ppap.py" --port "$smtp_port" --count "$count" \
	--sessions "$sessions" --password "$password" "$tmp/make/ppap.zip")
wait_until 300 bash -c "[ \$(grep -c 'unlocked with the password of mail' '$log') -ge $count ]" || true
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')
paired=$(unlocked)
pairs=$(awk -v n="$paired" -v s="$secs" 'BEGIN{printf "%.1f", n / s}')
echo "ppap: $count mails with a zip, $sessions sessions, per second:"
printf 'ppap %-52s %8s\n' "plain mails, zip without a password (sanitised, relayed)" "$plain" \
	"PPAP pairs, zip -P + password mail ($paired of $count opened and followed up)" "$pairs"
echo "ppap: $plain_failed plain and $(failed_of "$out") PPAP sends not accepted"
record ppap.plain_per_s "$plain" msg/s
record ppap.pairs_per_s "$pairs" pairs/s
record ppap.pairs_opened "$paired"
record ppap.pairs_over_plain "$(fmt_ratio "$pairs" "$plain")"
