#!/usr/bin/env bash
# Postfix in front of mugaid, with the very master.cf and main.cf snippets
# shipped in etc/postfix/ (ports moved to free loopback ones): a private
# Postfix (own config directory, queue and data directory in a temporary
# directory, loopback only, no local delivery) runs
#   before queue:  client -> Postfix smtpd --smtpd_proxy_filter--> mugaid
#   after queue:   client -> Postfix smtpd -> queue --content_filter--> mugaid
# and mugaid re-injects into Postfix (master.cf.reinject), which relays to
# smtp-sink (relayhost): every message arrives there sanitised.  With
# mugaid down, the before-queue client gets a 4xx and the after-queue
# message waits deferred in Postfix's queue until mugaid is back.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${MUGAI_SOURCE:-$(cd "$here/../.." && pwd)}
source "$here/lib/gateway.bash"
inspect() { $py "$here/lib/inspect_mail.py" "$1"; }

pf=$tmp/postfix
front_bq=$(free_port) front_aq=$(free_port) reinject=$(free_port) sink_port=$(free_port)
smtp_port=$(free_port)
source "$here/lib/postfix.bash"
pf_setup "$pf" "$sink_port"
# then the shipped snippets: main.cf (relayhost moved to smtp-sink) and
# the three master.cf parts with their ports moved to free loopback ones
sed "s/\[lgwan-mta.example.lg.jp\]:25/[127.0.0.1]:$sink_port/" "$src/etc/postfix/main.cf" >>"$pf/etc/main.cf"
front() { # front FILE PORT: the snippet with its internet listener on PORT
	sed -e "s/^smtp      inet  n       -       y/127.0.0.1:$2 inet n - n/" \
		-e "s/127.0.0.1\(\]\?\):10025/127.0.0.1\1:$smtp_port/g" \
		-e "s/127.0.0.1\(\]\?\):10026/127.0.0.1\1:$reinject/g" "$1"
}
{
	front "$src/etc/postfix/master.cf.before-queue" "$front_bq"
	front "$src/etc/postfix/master.cf.after-queue" "$front_aq"
	front "$src/etc/postfix/master.cf.reinject" 0
} >>"$pf/etc/master.cf"

postfix_cmd() { pf_cmd "$pf" "$@"; }
postfix_started=
stop_postfix() { [[ -n $postfix_started ]] && postfix_cmd stop >/dev/null 2>&1; postfix_started=; }
trap 'stop_postfix; cleanup' EXIT

sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$reinject" -o workers.count=2 ||
	{ ko "mugaid starts"; finish; exit 1; }
out=$(postfix_cmd check 2>&1)
check "postfix check accepts the configuration with the shipped snippets" test -z "$out" ||
	echo "$out" | head -5
postfix_cmd start >/dev/null 2>&1
postfix_started=1
check "Postfix listens on the before-queue, after-queue and reinjection ports" \
	wait_until 20 bash -c "ss -ltnH | grep -q :$front_bq && ss -ltnH | grep -q :$front_aq && ss -ltnH | grep -q :$reinject"

html=$corpus/mail/mikel_content_transfer_encoding_text-html.eml
send() { swaks --server "127.0.0.1:$1" --from alice@example.org --to bob@example.lg.jp --data "$2" --timeout 60 2>&1; }
dump_of() { grep -l "X-Mugai-Id: $1" "$sink"/* 2>/dev/null | head -1; }
has_dump() { [[ -n $(dump_of "$1") ]]; }

# ---- before queue: mugai's answer is the one the client gets
out=$(send "$front_bq" "$html")
id=$(grep -oE '250 2.0.0 Ok: [0-9]{8}T[0-9]{6}-[0-9a-f]{12} sanitised and delivered' <<<"$out" | awk '{print $4}')
check "before queue: the client hears mugai's 250 through Postfix" test -n "$id"
check "before queue: the message reaches smtp-sink" wait_until 30 has_dump "${id:-none}"
d=$(dump_of "${id:-none}")
if [[ -n $d ]]; then
	j=$(inspect "$d")
	check "before queue: delivered without text/html" bash -c '! grep -q text/html <<<"$1"' _ "$j"
	check "before queue: X-Mugai-Verdict: sanitised" grep -q '"mugai_verdict": "sanitised' <<<"$j"
	check "before queue: the path is Postfix -> mugai -> Postfix -> smtp-sink" \
		bash -c 'grep -q "by mugai.test (mugai) with ESMTP id $2" <<<"$1" && grep -q "by postfix.test (Postfix)" <<<"$1"' _ "$j" "$id"
fi
check "before queue: the original is in the quarantine" grep -q "${id:-none}" <<<"$(q list)"

# ---- after queue: Postfix queues, then hands the message to mugai
lines=$(wc -l <"$log")
out=$(send "$front_aq" "$html")
check "after queue: Postfix queues the message" grep -q "250 2.0.0 Ok: queued as" <<<"$out"
check "after queue: mugai takes it from the queue and delivers it" \
	wait_until 30 bash -c 'tail -n +$(($2 + 1)) "$1" | grep -q "\"outcome\":\"delivered\""' _ "$log" "$lines"
id=$(tail -n +$((lines + 1)) "$log" | grep '"event":"item"' | grep -oE '"item":"[^"]+"' | head -1 | cut -d'"' -f4)
check "after queue: the message reaches smtp-sink sanitised" wait_until 30 has_dump "${id:-none}"

# ---- mugai down
stop_mugaid
out=$(send "$front_bq" "$html")
check "mugai down, before queue: the client gets a 4xx and keeps the message" \
	grep -qE "<\*\* 4[0-9][0-9] " <<<"$out"
before=$(ls "$sink" | wc -l)
out=$(send "$front_aq" "$html")
check "mugai down, after queue: Postfix still takes the message" grep -q "250 2.0.0 Ok: queued as" <<<"$out"
check "mugai down, after queue: it waits deferred in Postfix's queue" \
	wait_until 30 bash -c 'find "$1/deferred" -type f | grep -q .' _ "$pf/queue"
check "mugai down: nothing unsanitised went through" test "$(ls "$sink" | wc -l)" = "$before"
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$reinject" -o workers.count=2
postfix_cmd flush >/dev/null 2>&1
check "mugai back: the deferred message arrives sanitised" \
	wait_until 60 bash -c '[[ $(grep -l "X-Mugai-Verdict: sanitised" "$1"/* | wc -l) -ge 3 ]]' _ "$sink"
check "no message reached smtp-sink without passing mugai" \
	bash -c 'for f in "$1"/*; do grep -q "^X-Mugai-Id: " "$f" || exit 1; done' _ "$sink"

stop_postfix
stop_mugaid
finish
