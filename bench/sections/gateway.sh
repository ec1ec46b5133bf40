#!/usr/bin/env bash
# The gateway end to end: messages per second through mugaid (every
# message sanitised in a sandboxed worker, its original fsynced into the
# quarantine, relayed with proxy semantics) against, in the same run,
#   - smtp-source straight into smtp-sink (the ceiling of this machine),
#   - stock Postfix relaying to smtp-sink (queue, then deliver),
# for a small HTML mail and a mail with a macro document attached; then
# the latency mugaid adds, p50 and p99, from one sender's timings (our
# python sender, one session, straight to smtp-sink and through mugaid).
# Needs $BUILD (mugaid), Postfix's smtp-source and smtp-sink; the Postfix
# comparison needs root.  BENCH_MAIL_COUNT sets the messages per run.
set -euo pipefail
root=$(pwd)
export MUGAI_BUILD=$root/$BUILD MUGAI_CORPUS=${MUGAI_CORPUS:-$(cd "$root/../shared/corpus" && pwd)}
if [ ! -x "$MUGAI_BUILD/gateway/mugaid" ] || ! command -v smtp-source >/dev/null; then
	echo "gateway: mugaid or smtp-source missing, skipped"
	exit 0
fi
set +e
source "$root/tests/integration/lib/gateway.bash"
source "$root/tests/integration/lib/postfix.bash"
set -e
source "$root/bench/lib.sh"
count=${BENCH_MAIL_COUNT:-600}
sessions=4
pf=$tmp/postfix
pf_started=
# the shared helpers are written for scripts without set -e
trap 'set +e; [ -n "$pf_started" ] && pf_cmd "$pf" stop >/dev/null 2>&1; cleanup' EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN{printf "%.1f", n / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }

# the two messages, as smtp-source -F sends them
cp "$MUGAI_CORPUS/mail/mikel_content_transfer_encoding_text-html.eml" "$tmp/html.eml"
$py - "$MUGAI_CORPUS/office/harmless-clean.docm" >"$tmp/docm.eml" <<'EOF'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"], m["To"], m["Subject"] = "bench@example.org", "staff@example.lg.jp", "bench"
m.set_content("see the attachment\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="vnd.ms-word.document.macroEnabled.12", filename="a.docm")
sys.stdout.write(m.as_string())
EOF

sink_port=$(free_port)
smtp-sink -u nobody "127.0.0.1:$sink_port" 200 &
pids_to_stop+=("$!")
wait_until 5 listening "$sink_port"
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o "workers.count=$(nproc)" >/dev/null
have_pf=
if [ "$(id -u)" = 0 ]; then
	pf_port=$(free_port)
	pf_setup "$pf" "$sink_port"
	pf_listener "$pf" "$pf_port"
	echo "default_process_limit = 50" >>"$pf/etc/main.cf"
	if pf_cmd "$pf" start >/dev/null 2>&1 && wait_until 20 listening "$pf_port"; then
		have_pf=1
		pf_started=1
	fi
fi

pf_empty() { [ "$(pf_queue_size "$pf")" = 0 ]; }

# smtp-source's wall time for count messages to PORT
source_secs() {
	local port=$1 file=$2 t0
	t0=$(now)
	smtp-source -s "$sessions" -m "$count" -F "$file" -f bench@example.org -t staff@example.lg.jp \
		"127.0.0.1:$port" >/dev/null 2>&1
	awk -v a="$t0" -v b="$(now)" 'BEGIN{print b - a}'
}

for kind in html docm; do
	file=$tmp/$kind.eml
	size=$(stat -c %s "$file")
	ceil_s=$(source_secs "$sink_port" "$file")
	ceil=$(rate "$count" "$ceil_s")
	before=$(grep -c '"outcome":"delivered"' "$log" || true)
	mg_s=$(source_secs "$smtp_port" "$file")
	mg=$(rate "$count" "$mg_s")
	delivered=$(($(grep -c '"outcome":"delivered"' "$log" || true) - before))
	line="gateway $kind mail ($size bytes), $count messages, $sessions sessions:"
	line+=" smtp-sink direct $ceil msg/s"
	pf_rate=
	if [ -n "$have_pf" ]; then
		t0=$(now)
		smtp-source -s "$sessions" -m "$count" -F "$file" -f bench@example.org -t staff@example.lg.jp \
			"127.0.0.1:$pf_port" >/dev/null 2>&1
		# Postfix's rate counts until its queue is empty again (delivered)
		wait_until 300 pf_empty
		pf_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b - a}')
		pf_rate=$(rate "$count" "$pf_s")
		line+=", Postfix relay $pf_rate msg/s"
	fi
	line+=", mugaid $mg msg/s ($delivered sanitised and relayed)"
	echo "$line"
	echo "gateway $kind ratios: mugaid/ceiling $(ratio "$mg" "$ceil")${pf_rate:+, mugaid/Postfix $(ratio "$mg" "$pf_rate")}"
	record "gateway.$kind.sink_per_s" "$ceil" msg/s
	record "gateway.$kind.mugaid_per_s" "$mg" msg/s
	record "gateway.$kind.mugaid_delivered" "$delivered"
	[ -n "$pf_rate" ] && record "gateway.$kind.postfix_per_s" "$pf_rate" msg/s
	if [ "$kind" = html ]; then want=1.0; else want=0.5; fi
	goal "gateway.$kind.mugaid_over_postfix" "$(fmt_ratio "$mg" "$pf_rate")" ">=" "$want" \
		"gateway $kind mail mugaid / Postfix relay"
done

# latency one message at a time: straight to the sink, then through mugaid
lat() {
	$py "$root/tests/integration/lib/load_sender.py" --port "$1" --count 200 --concurrency 1 \
		--kinds html --out "$tmp/lat-$1.jsonl" 2>/dev/null
	$py -c 'import json,sys
s=sorted(json.loads(l)["secs"] for l in open(sys.argv[1]) if json.loads(l)["code"]==250)
print(s[len(s)//2]*1000, s[min(len(s)-1, int(len(s)*0.99))]*1000)' "$tmp/lat-$1.jsonl"
}
read -r d50 d99 < <(lat "$sink_port")
read -r m50 m99 < <(lat "$smtp_port")
printf 'gateway latency, one session, HTML mail: direct p50 %.1f ms p99 %.1f ms; through mugaid p50 %.1f ms p99 %.1f ms; added p50 %.1f ms p99 %.1f ms\n' \
	"$d50" "$d99" "$m50" "$m99" "$(awk -v a="$m50" -v b="$d50" 'BEGIN{print a-b}')" \
	"$(awk -v a="$m99" -v b="$d99" 'BEGIN{print a-b}')"
record gateway.latency.direct_p50_ms "$d50" ms
record gateway.latency.direct_p99_ms "$d99" ms
record gateway.latency.mugaid_p50_ms "$m50" ms
record gateway.latency.mugaid_p99_ms "$m99" ms
goal gateway.latency.added_p50_ms "$(awk -v a="$m50" -v b="$d50" 'BEGIN{printf "%.2f", a-b}')" "<=" 3 \
	"gateway added latency p50, ms"
