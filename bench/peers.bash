# peers.bash - the content filters a site would put behind Postfix instead
# of mugai, each private to the benchmark (sourced by sections/gateway.sh):
# own directories under DIR, loopback ports, foreground processes whose
# pids are kept for stopping; nothing of the host's mail setup is read or
# changed.  Needs root (both start as root and drop to their own users).
#
#   md_start DIR MILTER_PORT    MIMEDefang: multiplexor, 8 Perl workers at
#                               most, bench/peers/mimedefang-filter; the
#                               milter on 127.0.0.1:MILTER_PORT
#   am_start DIR PORT REINJECT  amavisd-new: 8 children on 127.0.0.1:PORT,
#                               no virus scanning, no spam checks, mail
#                               handed back on 127.0.0.1:REINJECT
#   peers_stop                  stops what was started
peer_pids=()
peers_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

md_start() {
	local dir=$1 port=$2
	mkdir -p "$dir/spool"
	chown defang "$dir/spool"
	chmod 750 "$dir/spool"
	cp "$peers_here/peers/mimedefang-filter" "$dir/filter"
	mimedefang-multiplexor -D -U defang -z "$dir/spool" -s "$dir/spool/mx.sock" \
		-F "$dir/filter" -m 2 -x 8 -o "$dir/spool/mx.lock" >"$dir/mx.log" 2>&1 &
	peer_pids+=("$!")
	wait_until 20 test -S "$dir/spool/mx.sock" || return 1
	mimedefang -D -U defang -z "$dir/spool" -m "$dir/spool/mx.sock" -X \
		-p "inet:$port@127.0.0.1" -o "$dir/spool/md.lock" >"$dir/md.log" 2>&1 &
	peer_pids+=("$!")
	wait_until 20 listening "$port"
}

am_start() {
	local dir=$1 port=$2 reinject=$3
	mkdir -p "$dir/home/tmp" "$dir/home/db" "$dir/home/var"
	chown -R amavis:amavis "$dir/home"
	cat >"$dir/amavisd.conf" <<CONF
use strict;
\$MYHOME = '$dir/home';
\$TEMPBASE = '$dir/home/tmp';
\$db_home = '$dir/home/db';
\$helpers_home = '$dir/home/var';
\$pid_file = '$dir/home/amavisd.pid';
\$lock_file = '$dir/home/amavisd.lock';
\$daemon_user = 'amavis';
\$daemon_group = 'amavis';
\$mydomain = 'example.lg.jp';
\$myhostname = 'amavis.test';
\$max_servers = 8;
\$inet_socket_bind = '127.0.0.1';
\$inet_socket_port = $port;
@inet_acl = qw(127.0.0.1);
\$forward_method = 'smtp:[127.0.0.1]:$reinject';
\$notify_method = \$forward_method;
@bypass_virus_checks_maps = (1);
@bypass_spam_checks_maps = (1);
@av_scanners = ();
@av_scanners_backup = ();
\$QUARANTINEDIR = undef;
\$virus_quarantine_to = undef;
\$enable_db = 0;
\$do_syslog = 0;
\$LOGFILE = '$dir/home/amavis.log';
\$log_level = 0;
1;
CONF
	amavisd -c "$dir/amavisd.conf" foreground >"$dir/am.log" 2>&1 &
	peer_pids+=("$!")
	wait_until 60 listening "$port"
}

peers_stop() {
	local p
	for p in "${peer_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${peer_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	peer_pids=()
}
