# postfix.bash - a private Postfix for tests and benchmarks (sourced):
# its own configuration directory, queue and data directory under DIR,
# loopback only, no local delivery, relaying to smtp-sink.  Needs root
# (Postfix's master starts as root and runs its daemons as postfix).
#
#   pf_setup DIR RELAY_PORT        main.cf and the base master.cf in DIR/etc
#   pf_listener DIR PORT [OPT...]  append an smtpd on 127.0.0.1:PORT
#   pf_cmd DIR ARGS...             postfix -c DIR/etc ARGS (start, stop, flush...)
#   pf_queue_size DIR              messages still in the queue

pf_setup() {
	local dir=$1 relay=$2
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
	chmod 755 "$dir"
	chown postfix "$dir/data"
	cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.test
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery here
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
relay_domains =
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$relay
maillog_file_prefixes = /tmp
maillog_file = $dir/maillog
biff = no
# no postmaster notices: everything the sink gets is what was sent
notify_classes =
EOF
	cat >"$dir/etc/master.cf" <<'EOF'
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

pf_listener() {
	local dir=$1 port=$2
	shift 2
	echo "127.0.0.1:$port inet n - n - - smtpd" >>"$dir/etc/master.cf"
	for o in "$@"; do echo "  -o $o" >>"$dir/etc/master.cf"; done
}

# Postfix writes its fatal errors to a terminal only: give it one.
pf_cmd() {
	local dir=$1
	shift
	script -qec "postfix -c $dir/etc $*" /dev/null
}

pf_queue_size() {
	find "$1/queue/incoming" "$1/queue/active" "$1/queue/deferred" "$1/queue/maildrop" \
		-type f 2>/dev/null | wc -l
}
