# gateway.bash - shared by the gateway's integration scripts (sourced):
# a temporary directory, free loopback ports, mugaid and smtp-sink started
# and always stopped, pass/fail counting, waiting with a limit.
#
# Expects MUGAI_BUILD (binaries in $MUGAI_BUILD/gateway/), MUGAI_CORPUS.

build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
corpus=${MUGAI_CORPUS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../shared/corpus" 2>/dev/null && pwd)}
mugaid=$build/gateway/mugaid
mugai=$build/gateway/mugai
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/mugai-it-XXXXXX)
chmod 755 "$tmp" # the services run unprivileged when this runs as root
declare -a pids_to_stop=()
mugaid_pid=

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { # check NAME COMMAND...: ok when the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[[ $failed == 0 ]]
}

stop_all() {
	if [[ -n $mugaid_pid ]] && kill -0 "$mugaid_pid" 2>/dev/null; then
		kill -TERM "$mugaid_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$mugaid_pid" 2>/dev/null || break; sleep 0.1; done
		pkill -KILL -P "$mugaid_pid" 2>/dev/null
		kill -KILL "$mugaid_pid" 2>/dev/null
	fi
	stop_pids "${pids_to_stop[@]}"
}
# stop_pids PID...: TERM to all, then KILL to each still there after 3 s
stop_pids() {
	local p
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "$@"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}
cleanup() {
	stop_all
	[[ -n ${KEEP_TMP:-} ]] && { echo "kept $tmp"; return; }
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	$py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q LISTEN; }
# wait_until SECONDS COMMAND...: polls every 0.1 s
wait_until() {
	local limit=$1 t=0
	shift
	while ((t < limit * 10)); do
		"$@" && return 0
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}

# smtp-sink on PORT dumping into DIR (one file per message); extra options
# after (e.g. -f . for a 5xx at the end of data).  Sets sink_pid.
sink_pid=
start_sink() {
	local port=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	chmod 777 "$dir"
	smtp-sink -u nobody -d "$dir/%M." "$@" "127.0.0.1:$port" 100 &
	sink_pid=$!
	pids_to_stop+=("$sink_pid")
	wait_until 5 listening "$port"
}
stop_sink() {
	[[ -n $sink_pid ]] || return 0
	kill -TERM "$sink_pid" 2>/dev/null
	wait "$sink_pid" 2>/dev/null
	sink_pid=
}

# mugaid in the foreground under $tmp/gw with the given -o overrides;
# sets smtp_port, admin_port, mugaid_pid, gw, log.
gw=$tmp/gw
log=$gw/mugaid.log
start_mugaid() {
	smtp_port=${smtp_port:-$(free_port)}
	admin_port=${admin_port:-$(free_port)}
	mkdir -p "$gw"
	chmod 755 "$gw"
	gw_opts=(-o "daemon.directory=$gw" -o "smtp.listen=127.0.0.1:$smtp_port"
		-o "admin.listen=127.0.0.1:$admin_port" -o "quarantine.dir=$gw/quarantine"
		-o "quarantine.index=sqlite:$gw/quarantine/index.db" -o "drop.inbox=$gw/inbox"
		-o "drop.outbox=$gw/outbox" -o "smtp.hostname=mugai.test" "$@")
	"$mugaid" -f "${gw_opts[@]}" >>"$log" 2>&1 &
	mugaid_pid=$!
	if ! wait_until 20 listening "$smtp_port"; then
		echo "mugaid did not start:"
		tail -20 "$log"
		return 1
	fi
	# every smtpd has opened its quarantine and worker
	wait_until 20 grep -q '"smtpd: accepting' "$log"
}
stop_mugaid() {
	[[ -n $mugaid_pid ]] || return 0
	kill -TERM "$mugaid_pid" 2>/dev/null
	wait "$mugaid_pid" 2>/dev/null
	mugaid_pid=
}
# the mugai CLI on the same configuration
q() { "$mugai" quarantine "${gw_opts[@]}" "$@"; }

# original_out SHA FILE: the original stored under SHA, read straight from
# where the store keeps it (the index's chunk rows, or a file under the
# quarantine directory with quarantine.store = dir) into FILE
original_out() {
	local f=$gw/quarantine/${1:0:2}/$1
	if [[ -f $f ]]; then
		cp "$f" "$2"
		return
	fi
	$py - "$gw/quarantine/index.db" "$1" "$2" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT data FROM mq_chunks WHERE sha256 = ? ORDER BY seq", (sys.argv[2],)).fetchall()
if not rows:
    sys.exit(1)
open(sys.argv[3], "wb").write(b"".join(r[0] for r in rows))
PY
}

# the JSON log line of an item: item_line ID
item_line() { grep "\"item\":\"$1\"" "$log" | grep '"event":"item"' | tail -1; }
# a field of a JSON line on stdin: json_field NAME
json_field() { $py -c 'import json,sys; v=json.loads(sys.stdin.read())[sys.argv[1]]; print(v if not isinstance(v,(list,dict)) else json.dumps(v))' "$1"; }

# /metrics of the admin port PORT without the node label every series
# carries (daemon.node), so a test can match a series by its own labels
metrics_of() { curl -s "http://127.0.0.1:$1/metrics" | sed -E 's/\{node="[^"]*"\}//; s/\{node="[^"]*",/{/'; }
