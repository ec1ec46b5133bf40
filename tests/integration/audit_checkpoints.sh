#!/usr/bin/env bash
# Signed checkpoints of the audit chain, end to end: admind signs the head
# every audit.checkpoint_interval into audit.checkpoint_file, `mugai
# quarantine checkpoint` signs one on demand, and `mugai quarantine verify
# --checkpoints FILE` proves the chain still holds them.  The last audit
# row (an auditor added) deleted behind the store's back leaves a chain
# that verifies alone; with the checkpoints it is caught.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

cps=$gw/quarantine/audit-checkpoints.jsonl
start_mugaid -o workers.count=1 -o audit.checkpoint_interval=1s \
	-o "audit.checkpoint_file=$cps" -o "audit.checkpoint_key=$gw/quarantine/checkpoint.key" ||
	{ ko "mugaid starts"; finish; exit; }
gw_opts+=(-o "audit.checkpoint_file=$cps" -o "audit.checkpoint_key=$gw/quarantine/checkpoint.key")
lines() { [[ -f $cps ]] && wc -l <"$cps" || echo 0; }
wait_until 15 bash -c "(( \$(wc -l <'$cps' 2>/dev/null || echo 0) >= 2 ))"
(($(lines) >= 2)) && ok "admind signs the head every interval ($(lines) checkpoints)" ||
	ko "admind wrote $(lines) checkpoints"
grep -q '"event":"audit_checkpoint"' "$log" && ok "each checkpoint is logged" || ko "no audit_checkpoint log line"
if [[ $(id -u) == 0 ]]; then
	owner=$(stat -c %U "$gw/quarantine/checkpoint.key")
	mode=$(stat -c %a "$gw/quarantine/checkpoint.key")
	[[ $owner != root && $mode == 600 ]] && ok "the key belongs to the daemon's user ($owner, $mode)" ||
		ko "key owner $owner mode $mode"
fi
stop_mugaid

echo "one" >"$tmp/a.txt"
echo "two" >"$tmp/b.txt"
q import "$tmp/a.txt" --channel file >/dev/null
q import "$tmp/b.txt" --channel file >/dev/null
# the last entry: an auditor added (no item, so only the chain knows it)
MUGAI_PASSWORD=auditor-password "$mugai" user "${gw_opts[@]}" add dave --role auditor >/dev/null 2>&1 ||
	ko "mugai user add --role auditor"
line=$(q checkpoint 2>/dev/null)
[[ $(json_field seq <<<"$line") -ge 3 ]] && ok "mugai quarantine checkpoint signs the head (#$(json_field seq <<<"$line"))" ||
	ko "checkpoint: $line"
[[ $(tail -1 "$cps") == "$line" ]] && ok "and appends it to audit.checkpoint_file" || ko "not appended"
out=$(q verify --checkpoints "$cps" 2>&1)
[[ $? == 0 && $out == *"holds all"* ]] && ok "verify --checkpoints: the chain holds every head" ||
	ko "verify: $out"

sqlite3 "$gw/quarantine/index.db" "DELETE FROM mq_audit WHERE seq = (SELECT MAX(seq) FROM mq_audit)"
out=$(q verify 2>&1)
[[ $? == 0 ]] && ok "without checkpoints the shortened chain still verifies (what they are for)" ||
	ko "plain verify: $out"
out=$(q verify --checkpoints "$cps" 2>&1)
rc=$?
[[ $rc == 1 && $out == *"is missing"* ]] && ok "with them the deleted last entry is caught" ||
	ko "verify --checkpoints after the deletion: exit $rc: $out"
finish
