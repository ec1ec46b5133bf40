#!/usr/bin/env bash
# mugaid's master end to end: configuration checks (-t and check-config
# refuse a bad key or value, and every address, path and URI start-up
# would refuse), start on loopback in a temporary directory,
# the listening sockets, the pid file and its lock, the privilege drop,
# a service killed with SIGKILL and started again, SIGHUP reload (a good
# one moves admin.listen, a bad one is refused and changes nothing), and
# SIGTERM: every service drains and the master exits 0.
set -uo pipefail

build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
src_dir=${MUGAI_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
mugaid=$build/gateway/mugaid
mugai=$build/gateway/mugai
tmp=$(mktemp -d /tmp/mugai-master-XXXXXX)
chmod 755 "$tmp" # the services run as an unprivileged user when this runs as root
master=
cleanup() {
	if [[ -n $master ]] && kill -0 "$master" 2>/dev/null; then
		kill -TERM "$master" 2>/dev/null
		sleep 1
		pkill -KILL -P "$master" 2>/dev/null
		kill -KILL "$master" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
expect() {
	local name=$1 want=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc == "$want" ]] && grep -qE -- "$pattern" <<<"$out"; then
		ok "$name"
	else
		ko "$name (exit $rc, wanted $want; output:)"
		sed 's/^/     /' <<<"$out" | head -20
	fi
}
# waits up to $2 seconds for a log line matching $1; prints it
log=$tmp/mugaid.log
wait_log() {
	local pattern=$1 limit=$2 t=0
	while ((t < limit * 10)); do
		if grep -qE -- "$pattern" "$log" 2>/dev/null; then
			grep -E -- "$pattern" "$log" | tail -1
			return 0
		fi
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q LISTEN; }
pid_of() { # the pid in the last "started NAME[0] pid N" line
	grep -oE "started $1\[0\] pid [0-9]+" "$log" | tail -1 | awk '{print $NF}'
}

# ---- configuration checks
printf '[smtp]\nlisten = 127.0.0.1:2525\nno_such_key = 1\n' >"$tmp/bad.conf"
expect "mugaid -t refuses an unknown key, with file and line" 1 \
	"bad.conf:3: smtp.no_such_key: unknown key" "$mugaid" -t -c "$tmp/bad.conf"
expect "check-config refuses the same key the same way" 1 \
	"bad.conf:3: smtp.no_such_key: unknown key" "$mugai" check-config -c "$tmp/bad.conf"
expect "a bad log.target is refused" 1 "log.target: bad value 'syslog:nowhere'" \
	"$mugaid" -t -o log.target=syslog:nowhere
expect "a bad workers.cpu is refused" 1 "workers.cpu: bad value" "$mugaid" -t -o workers.cpu=soon
# every address, path and URI checked as start-up would: by both commands
printf 'not a certificate\n' >"$tmp/junk.pem"
mkdir -p "$tmp/dir-not-file"
while IFS='|' read -r assignment says; do
	expect "mugaid -t refuses $assignment" 1 "$says" "$mugaid" -t -o "$assignment"
	expect "check-config refuses $assignment" 1 "$says" "$mugai" check-config -o "$assignment"
done <<EOF
smtp.listen=127.0.0.1:70000|smtp.listen: '127.0.0.1:70000': expected HOST:PORT
smtp.listen=no-such-host.invalid:25|smtp.listen: 'no-such-host.invalid:25'
admin.listen=8025|admin.listen: '8025': expected HOST:PORT
relay.next_hop=smtp:mx.example|relay.next_hop: 'smtp:mx.example' is not smtp:HOST:PORT
relay.next_hop=smtp:mx.example:0|relay.next_hop: port 0 out of range
relay.next_hop=lmtp:mx.example:24|relay.next_hop: 'lmtp:mx.example:24' is neither
relay.next_hop=dir:$tmp/junk.pem/out|relay.next_hop: $tmp/junk.pem/out: Not a directory
relay.tls=maybe|relay.tls: 'maybe' is not no, may or yes
relay.tls_ca=$tmp/missing-ca.pem|relay.tls_ca: $tmp/missing-ca.pem: No such file
quarantine.index=mysql://db/mugai|quarantine.index: expected sqlite:PATH or postgresql://
quarantine.index=sqlite:|quarantine.index: sqlite: without a path
quarantine.dir=$tmp/junk.pem/q|quarantine.dir: $tmp/junk.pem/q: Not a directory
drop.inbox=$tmp/junk.pem/in|drop.inbox: $tmp/junk.pem/in: Not a directory
smtp.tls_cert=$tmp/missing.pem|smtp.tls_cert: $tmp/missing.pem: No such file
smtp.tls_cert=$tmp/junk.pem|smtp.tls_cert $tmp/junk.pem / smtp.tls_key $tmp/junk.pem: .*no start line
smtp.tls_cert=$tmp/dir-not-file|smtp.tls_cert: $tmp/dir-not-file is not a file
smtp.tls_key=$tmp/junk.pem|smtp.tls_key is set but smtp.tls_cert is not
smtp.notice=$tmp/missing.txt|smtp.notice: $tmp/missing.txt: No such file
daemon.directory=$tmp/missing-dir|daemon.directory $tmp/missing-dir: No such file
daemon.pid_file=$tmp/missing-dir/mugaid.pid|daemon.pid_file $tmp/missing-dir/mugaid.pid: no directory
admin.metrics_public=perhaps|admin.metrics_public: expected yes or no
admin.allowed_hosts=evil/host|admin.allowed_hosts: bad entry 'evil/host'
audit.checkpoint_key=|audit.checkpoint_key: empty
EOF
expect "mugaid -t says the configuration is good" 0 "^mugaid: configuration ok$" \
	"$mugaid" -t -o daemon.drain_timeout=7s
expect "mugaid -T prints the effective configuration" 0 "drain_timeout = 7s" \
	"$mugaid" -T -o daemon.drain_timeout=7s
# the shipped example: accepted, and it lists every key (commented or not)
expect "etc/mugai.conf is a valid configuration" 0 "configuration ok" \
	"$mugaid" -t -c "$src_dir/etc/mugai.conf" -o daemon.directory=
missing=$("$mugaid" -T | awk -v conf="$src_dir/etc/mugai.conf" '
	/^\[/ { section = $0; next }
	/^[a-z_]+ =/ { keys[section " " $1] = 1 }
	END {
		while ((getline line < conf) > 0) {
			if (line ~ /^\[/) { s = line; continue }
			sub(/^#/, "", line)
			if (match(line, /^[a-z_]+ ?=/)) { k = line; sub(/ ?=.*/, "", k); have[s " " k] = 1 }
		}
		for (k in keys) if (!(k in have)) print k
	}')
[[ -z $missing ]] && ok "etc/mugai.conf lists every key" || ko "keys missing from etc/mugai.conf: $(tr '\n' ' ' <<<"$missing")"
expect "an unknown option is refused" 1 "unexpected argument '-x'" "$mugaid" -x

# ---- start
smtp_port=$(free_port)
admin_port=$(free_port)
cat >"$tmp/mugai.conf" <<EOF
[daemon]
directory = $tmp
pid_file = $tmp/mugaid.pid
drain_timeout = 5s
[smtp]
listen = 127.0.0.1:$smtp_port
[admin]
listen = 127.0.0.1:$admin_port
[workers]
count = 2
timeout = 20s
memory = 512M
EOF
"$mugaid" -f -c "$tmp/mugai.conf" 2>"$log" &
master=$!
if wait_log 'mugaid [0-9.]+ ready: ' 20 >/dev/null; then ok "the master starts and logs ready"; else ko "no ready line"; fi
ready=$(grep -E 'mugaid [0-9.]+ ready: ' "$log" | tail -1)
services=$(grep -oE '(smtpd|dropd|admind) x[0-9]+' <<<"$ready" | awk '{print $1}' | tr '\n' ' ')
echo "     services built: ${services:-none}"
if grep -q '^{' "$log" && ! grep -v '^{.*}$' "$log" | grep -q .; then
	ok "every log line is one JSON object"
else
	ko "log lines that are not JSON objects:"; grep -v '^{.*}$' "$log" | head -5
fi
[[ -d $tmp/var/quarantine && -d $tmp/var/inbox && -d $tmp/var/outbox/files ]] &&
	ok "directories created under daemon.directory" || ko "directories missing: $(ls -R "$tmp/var" 2>&1 | head)"
if [[ $(cat "$tmp/mugaid.pid" 2>/dev/null) == "$master" ]]; then ok "pid file holds the master's pid"; else ko "pid file: $(cat "$tmp/mugaid.pid" 2>&1)"; fi
expect "a second mugaid on the same pid file is refused" 1 "already runs \\(pid $master\\)" \
	timeout 10 "$mugaid" -f -c "$tmp/mugai.conf" -o smtp.listen=127.0.0.1:0 -o admin.listen=127.0.0.1:0
if [[ $(id -u) == 0 ]]; then
	user=$(ps -o user= -p "$master" | tr -d ' ')
	[[ -n $user && $user != root ]] && ok "started as root, runs as $user" || ko "master still runs as '$user'"
fi
if [[ $services == *smtpd* ]]; then
	listening "$smtp_port" && ok "smtp.listen bound" || ko "nothing listens on $smtp_port"
	n=$(grep -cE 'started smtpd\[[0-9]+\] pid' "$log")
	[[ $n == 2 ]] && ok "workers.count smtpd processes" || ko "$n smtpd processes, wanted 2"
	greeting=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$smtp_port; IFS= read -r line <&3; printf '%s' \"\$line\"" 2>/dev/null)
	[[ $greeting == 220* ]] && ok "smtpd greets" || ko "smtp greeting: '$greeting'"
fi
if [[ $services == *admind* ]]; then
	listening "$admin_port" && ok "admin.listen bound" || ko "nothing listens on $admin_port"
fi

# ---- a service killed is started again
victim=$(awk '{print $1}' <<<"$services")
if [[ -n $victim ]]; then
	old=$(pid_of "$victim")
	kill -KILL "$old"
	line=$(wait_log "\"$victim\\[0\\] killed by signal 9 .*starting it again in 1 s \\(restart 1\\)" 10)
	[[ -n $line ]] && ok "$victim killed with SIGKILL is noticed (restart 1, backoff 1 s)" || ko "no restart line for $victim"
	for _ in $(seq 50); do
		new=$(pid_of "$victim")
		[[ -n $new && $new != "$old" ]] && break
		sleep 0.1
	done
	if [[ -n $new && $new != "$old" ]] && kill -0 "$new" 2>/dev/null; then
		ok "$victim runs again with a new pid ($old -> $new)"
	else
		ko "$victim not restarted ($old -> ${new:-none})"
	fi
	grep -qE "\"started $victim\\[0\\] pid $new\".*\"restarts\":1" "$log" &&
		ok "the restart is counted in the log" || ko "restart count not logged"
	# dying again soon after: the backoff doubles
	kill -KILL "$new"
	wait_log "\"$victim\\[0\\] killed by signal 9 .*starting it again in 2 s \\(restart 2\\)" 10 >/dev/null &&
		ok "a second quick death doubles the backoff (2 s)" || ko "no doubled backoff"
	for _ in $(seq 50); do
		new=$(pid_of "$victim")
		grep -qE "\"started $victim\\[0\\] pid $new\".*\"restarts\":2" "$log" && break
		sleep 0.1
	done
	kill -0 "$new" 2>/dev/null && ok "$victim runs again after the backoff" || ko "$victim not back after the backoff"
else
	echo "     (no service built yet: restart, reload and drain of services not tested)"
fi

# ---- SIGHUP: a bad configuration is refused, a good one applied
before=$(grep -c '"started ' "$log")
echo "bogus = 1" >>"$tmp/mugai.conf"
kill -HUP "$master"
if wait_log 'reload refused, configuration kept: .*workers.bogus: unknown key' 10 >/dev/null; then
	ok "a reload with a bad key is refused with the reason"
else
	ko "no refusal for the bad reload"
fi
sleep 0.5
[[ $(grep -c '"started ' "$log") == "$before" ]] && ok "a refused reload restarts nothing" || ko "services restarted by a refused reload"
sed -i '/^bogus/d' "$tmp/mugai.conf"
new_admin=$(free_port)
sed -i "s/^listen = 127.0.0.1:$admin_port/listen = 127.0.0.1:$new_admin/" "$tmp/mugai.conf"
kill -HUP "$master"
if wait_log '"msg":"reloaded"' 10 >/dev/null; then ok "SIGHUP reloads"; else ko "no reload"; fi
if [[ -n $victim ]]; then
	wait_log "\"prog\":\"$victim\\[0\\]\".*drained, exiting" 10 >/dev/null &&
		ok "the old $victim drained before leaving" || ko "old $victim did not drain"
	sleep 1
	after=$(pid_of "$victim")
	[[ $after != "$new" ]] && kill -0 "$after" 2>/dev/null &&
		ok "a new $victim runs with the new configuration" || ko "no new $victim after reload"
fi
if [[ $services == *admind* ]]; then
	for _ in $(seq 50); do listening "$new_admin" && ! listening "$admin_port" && break; sleep 0.1; done
	listening "$new_admin" && ok "admin.listen moved to the new port" || ko "new admin port not bound"
	! listening "$admin_port" && ok "the old admin port is closed" || ko "old admin port still open"
fi

# ---- SIGTERM: drain and stop
kill -TERM "$master"
rc=
for _ in $(seq 150); do
	if ! kill -0 "$master" 2>/dev/null; then
		wait "$master"
		rc=$?
		break
	fi
	sleep 0.1
done
[[ $rc == 0 ]] && ok "SIGTERM: the master exits 0" || ko "master after SIGTERM: exit '${rc:-still running}'"
wait_log '"msg":"stopped"' 1 >/dev/null && ok "stop logged" || ko "no stopped line"
# every service ever started (titles replace the command line: by pid)
left=$(for p in $(grep -oE '"started [a-z]+\[[0-9]+\] pid [0-9]+' "$log" | awk '{print $NF}'); do
	kill -0 "$p" 2>/dev/null && echo "$p"; done | tr '\n' ' ')
[[ -z $left ]] && ok "no service process left" || ko "processes left: $left"
flock -n "$tmp/mugaid.pid" true 2>/dev/null && ok "the pid file is no longer locked" || ko "pid file still locked"
master=

# ---- without -f: a daemon, detached, its pid in the pid file
smtp_port=$(free_port)
admin_port=$(free_port)
log=$tmp/daemon.log
launch=$(cd "$tmp" && timeout 10 "$mugaid" -c "$tmp/mugai.conf" -o log.target=stderr \
	-o "smtp.listen=127.0.0.1:$smtp_port" -o "admin.listen=127.0.0.1:$admin_port" 2>"$log"; echo $?)
[[ $launch == 0 ]] && ok "without -f the command returns at once (exit 0)" || ko "launch: '$launch'"
wait_log 'mugaid [0-9.]+ ready: ' 20 >/dev/null
master=$(cat "$tmp/mugaid.pid" 2>/dev/null)
if [[ -n $master ]] && kill -0 "$master" 2>/dev/null; then
	ok "the daemon runs (pid $master from the pid file)"
	[[ $(ps -o sid= -p "$master" | tr -d ' ') == "$master" ]] && ok "it leads its own session" ||
		ko "not detached: session $(ps -o sid= -p "$master")"
	kill -TERM "$master"
	for _ in $(seq 100); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$master" 2>/dev/null && ok "the daemon stops on SIGTERM" || ko "daemon still running"
else
	ko "no daemon running (pid file: '$master')"; cat "$log"
fi
master=

echo "$passed passed, $failed failed"
((failed == 0))
