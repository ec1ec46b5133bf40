#!/bin/bash
# The review UI end to end: a temporary quarantine with three users and
# imported items, `mugai web` on a free loopback port, and headless
# Chromium driven by tests/webui_e2e.py (python3-selenium + chromedriver);
# then the same UI as admind under mugaid's master (health, metrics with
# the gateway's counters, the drain on SIGTERM).  Screenshots go to
# $MUGAI_BUILD/artifacts.
set -u

BUILD=${MUGAI_BUILD:?MUGAI_BUILD is not set}
SOURCE=${MUGAI_SOURCE:?MUGAI_SOURCE is not set}
CORPUS=${MUGAI_CORPUS:-}
MUGAI=$BUILD/gateway/mugai
ART=$BUILD/artifacts
T=$(mktemp -d /tmp/webui-e2e.XXXXXX)
WEB_PID=

cleanup() {
	if [ -n "$WEB_PID" ]; then
		kill "$WEB_PID" 2>/dev/null
		wait "$WEB_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "webui_e2e: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

for tool in /usr/bin/chromium /usr/bin/chromedriver /usr/bin/python3; do
	[ -x "$tool" ] || fail "$tool is missing"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null || fail "python3-selenium is missing"
[ -x "$MUGAI" ] || fail "$MUGAI is missing"

mkdir -p "$T/out/mail" "$T/out/files" "$ART"
OPTS=(-o "quarantine.dir=$T/q" -o "quarantine.index=sqlite:$T/q/index.db"
      -o "relay.next_hop=dir:$T/out/mail" -o "drop.outbox=$T/out/files")

for u in alice:reviewer bob:approver carol:admin; do
	MUGAI_PASSWORD="${u%%:*}-password" "$MUGAI" user "${OPTS[@]}" add "${u%%:*}" \
		--role "${u#*:}" >/dev/null || fail "mugai user add ${u%%:*}"
done

# a mail whose subject and body attack the page that shows them
SUBJECT='<script>alert(1)</script> 請求書のご確認'
{
	printf 'From: "Evil <b>" <attacker@example.com>\r\n'
	printf 'To: staff@city.example.lg.jp\r\n'
	printf 'Subject: =?UTF-8?B?%s?=\r\n' "$(printf '%s' "$SUBJECT" | base64 -w0)"
	printf 'Message-ID: <e2e-1@example.com>\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
	printf '<html><body><p>Pay now</p><script>alert(2)</script>'
	printf '<img src=x onerror=alert(3)><a href="http://evil.example/">invoice</a></body></html>\r\n'
} > "$T/evil.eml"
printf 'From: colleague@example.com\r\nTo: staff@city.example.lg.jp\r\nSubject: minutes\r\n\r\nsee attached\r\n' \
	> "$T/minutes.eml"

put_item() {
	"$MUGAI" quarantine "${OPTS[@]}" import "$1" --channel "$2" | awk '{print $1; exit}'
}
ITEM=$(put_item "$T/evil.eml" mail)
ITEM2=$(put_item "$T/minutes.eml" mail)
[ -n "$ITEM" ] && [ -n "$ITEM2" ] || fail "mugai quarantine import did not give item ids"
if [ -n "$CORPUS" ] && [ -f "$CORPUS/mail/mikel_japanese_attachment.eml" ]; then
	put_item "$CORPUS/mail/mikel_japanese_attachment.eml" mail >/dev/null
fi

: >"$T/web.out"
"$MUGAI" web "${OPTS[@]}" -o admin.listen=127.0.0.1:0 >"$T/web.out" 2>"$T/web.err" &
WEB_PID=$!
PORT=
for _ in $(seq 100); do
	PORT=$(sed -n 's|^mugai web: review UI on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$T/web.out")
	[ -n "$PORT" ] && break
	kill -0 "$WEB_PID" 2>/dev/null || break
	sleep 0.1
done
[ -n "$PORT" ] || { cat "$T/web.err" >&2; fail "mugai web did not start"; }

PASS=0
FAILS=0
ok() { echo "ok   $1"; PASS=$((PASS + 1)); }
bad() { echo "FAIL $1"; FAILS=$((FAILS + 1)); }

timeout 300 /usr/bin/python3 "$SOURCE/tests/webui_e2e.py" --url "http://127.0.0.1:$PORT" \
	--item "$ITEM" --item2 "$ITEM2" --subject "$SUBJECT" --original "$T/evil.eml" \
	--outbox "$T/out/mail" --artifacts "$ART" | tee "$T/e2e.out"
summary=$(tail -n 1 "$T/e2e.out")
if [[ $summary =~ ^browser:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	PASS=${BASH_REMATCH[1]}
	FAILS=${BASH_REMATCH[2]}
else
	bad "the browser test did not finish"
fi
[ "$FAILS" -eq 0 ] || { echo "--- mugai web stderr" >&2; tail -n 30 "$T/web.err" >&2; }

# the server stops cleanly on SIGTERM
kill -TERM "$WEB_PID"
for _ in $(seq 50); do
	kill -0 "$WEB_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$WEB_PID" 2>/dev/null; then
	bad "mugai web stops on SIGTERM"
else
	wait "$WEB_PID"
	st=$?
	WEB_PID=
	[ $st -eq 0 ] && ok "mugai web stops on SIGTERM, exit 0" || bad "mugai web exited $st"
fi

# the same UI as admind under mugaid's master, on the socket the master binds
if [ -x "$BUILD/gateway/mugaid" ]; then
	read -r APORT SPORT < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
	mkdir -p "$T/in"
	if [ "$(id -u)" = 0 ]; then
		# as root, the master runs its services as an unprivileged user
		chmod 755 "$T"
		chown -R nobody "$T/q" "$T/out" "$T/in"
	fi
	# the user named, whatever users this machine has (make run creates `mugai`)
	OPTS+=(-o daemon.user=nobody)
	"$BUILD/gateway/mugaid" -f "${OPTS[@]}" -o "admin.listen=127.0.0.1:$APORT" \
		-o "smtp.listen=127.0.0.1:$SPORT" -o "drop.inbox=$T/in" -o workers.count=1 \
		>"$T/mugaid.log" 2>&1 &
	WEB_PID=$!
	for _ in $(seq 100); do
		curl -s -m 2 "http://127.0.0.1:$APORT/healthz" 2>/dev/null | grep -qx ok && break
		sleep 0.1
	done
	[ "$(curl -s -m 5 "http://127.0.0.1:$APORT/healthz")" = ok ] && ok "admind: /healthz" ||
		bad "admind: /healthz"
	# the node label (daemon.node) aside
	curl -s -m 5 "http://127.0.0.1:$APORT/metrics" |
		sed -E 's/\{node="[^"]*"\}//; s/\{node="[^"]*",/{/' >"$T/metrics"
	grep -qx 'mugai_quarantine_items{status="released"} 1' "$T/metrics" &&
		grep -qx 'mugai_quarantine_items{status="release_requested"} 1' "$T/metrics" &&
		ok "admind: /metrics counts the quarantine" || bad "admind: /metrics counts the quarantine"
	grep -q '^mugai_items_total{' "$T/metrics" && ok "admind: /metrics has the gateway's counters" ||
		bad "admind: /metrics has the gateway's counters"
	curl -s -m 5 -D "$T/headers" -o "$T/login.html" "http://127.0.0.1:$APORT/login"
	grep -q "^Content-Security-Policy: default-src 'self'" "$T/headers" &&
		grep -q 'ログイン' "$T/login.html" && ok "admind: login page" || bad "admind: login page"
	kill -TERM "$WEB_PID"
	wait "$WEB_PID"
	st=$?
	WEB_PID=
	[ $st -eq 0 ] && grep -q '"prog":"admind\[0\]".*"drained' "$T/mugaid.log" &&
		ok "admind drains and mugaid stops on SIGTERM" ||
		{ bad "admind drains and mugaid stops on SIGTERM (exit $st)"; tail -n 20 "$T/mugaid.log"; }
fi

echo "$PASS passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
