#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: a fresh cluster in a temporary
# directory, listening on a free loopback port, trust authentication, no
# fsync.  Never use it for anything but tests.
#
#   scripts/pg-test.sh start          prints the URI of an empty database
#   scripts/pg-test.sh stop URI       stops that server and removes its files
#   scripts/pg-test.sh run CMD ARGS   start, run CMD with MUGAI_TEST_PG_URI
#                                     set, stop and remove (also on failure)
#   scripts/pg-test.sh halt URI       stop that server, keeping its files
#                                     (an outage: clients see connections cut)
#   scripts/pg-test.sh resume URI     start it again on the same port
#
# Run as root (as the tests are), the server runs as the postgres user
# through runuser; run as anyone else, it runs as that user.
set -euo pipefail

pgbin=${PG_BIN:-}
if [[ -z $pgbin ]]; then
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb ]] && pgbin=$d
	done
fi
[[ -n $pgbin && -x $pgbin/initdb ]] || { echo "pg-test: no PostgreSQL server binaries (set PG_BIN)" >&2; exit 1; }

as_owner() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

state_dir() { echo "${TMPDIR:-/tmp}/mugai-pg-$1"; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
	local port dir
	port=$(free_port)
	dir=$(state_dir "$port")
	rm -rf "$dir"
	mkdir -p "$dir"
	[[ $(id -u) == 0 ]] && chown postgres: "$dir"
	if ! as_owner "$pgbin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		return 1
	fi
	if ! as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null; then
		cat "$dir/server.log" >&2
		rm -rf "$dir"
		return 1
	fi
	if ! as_owner "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres mugai_test; then
		stop_port "$port"
		return 1
	fi
	echo "postgresql://postgres@127.0.0.1:$port/mugai_test"
}

stop_port() {
	local dir
	dir=$(state_dir "$1")
	[[ -d $dir/data ]] || return 0
	as_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

port_of() {
	local rest=${1##*@127.0.0.1:}
	echo "${rest%%/*}"
}

case ${1:-} in
start)
	start
	;;
stop)
	[[ $# == 2 ]] || { echo "usage: $0 stop URI" >&2; exit 1; }
	stop_port "$(port_of "$2")"
	;;
halt)
	[[ $# == 2 ]] || { echo "usage: $0 halt URI" >&2; exit 1; }
	dir=$(state_dir "$(port_of "$2")")
	as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
resume)
	[[ $# == 2 ]] || { echo "usage: $0 resume URI" >&2; exit 1; }
	port=$(port_of "$2")
	dir=$(state_dir "$port")
	as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null
	;;
run)
	shift
	[[ $# -gt 0 ]] || { echo "usage: $0 run CMD [ARGS]" >&2; exit 1; }
	uri=$(start)
	trap 'stop_port "$(port_of "$uri")"' EXIT
	MUGAI_TEST_PG_URI=$uri "$@"
	;;
*)
	echo "usage: $0 start | stop URI | halt URI | resume URI | run CMD [ARGS]" >&2
	exit 1
	;;
esac
