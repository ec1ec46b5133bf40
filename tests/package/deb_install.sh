#!/usr/bin/env bash
# The Debian package on this machine, as an administrator meets it:
# apt-get install ./mugai_*.deb (dependencies from Debian), the user mugai
# and /var/lib/mugai made, the configuration a conffile, the unit enabled
# but not started; the installed mugaid on the installed configuration
# takes a mail (swaks), the sanitised mail is in the outbox and the
# original in the quarantine; then apt-get purge, and nothing is left but
# what Debian policy keeps (the system user).
#
# Needs root and apt (CI); the package from `make deb` (MUGAI_DEB, or the
# newest $MUGAI_BUILD/deb/mugai_*.deb).  Run by `make test-package`.
set -uo pipefail
build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
deb=${MUGAI_DEB:-$(ls -t "$build"/deb/mugai_*.deb 2>/dev/null | head -1)}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local n=$1; shift; if "$@"; then ok "$n"; else ko "$n"; fi; }
if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
	echo "FAIL this test installs a package: it needs root and apt-get"
	exit 1
fi
[[ -f $deb ]] || { echo "FAIL no package: run make deb first"; exit 1; }

tmp=$(mktemp -d /tmp/mugai-deb-XXXXXX)
pid=
cleanup() {
	[[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && sleep 1
	rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q LISTEN; }
installed_mugaid_runs() { # a process whose program is the installed mugaid
	for exe in /proc/[0-9]*/exe; do
		[[ $(readlink "$exe" 2>/dev/null) == /usr/sbin/mugaid ]] && return 0
	done
	return 1
}
conf=/etc/mugai/mugai.conf

dpkg -s mugai >/dev/null 2>&1 && apt-get purge -y -q mugai >/dev/null
out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" 2>&1)
check "apt-get install $(basename "$deb")" dpkg -s mugai
[[ $(dpkg-query -W -f='${Status}' mugai 2>/dev/null) == "install ok installed" ]] || sed 's/^/     /' <<<"$out" | tail -20
check "mugaid in /usr/sbin, mugai in /usr/bin" test -x /usr/sbin/mugaid -a -x /usr/bin/mugai
check "the system user mugai exists" bash -c 'getent passwd mugai | grep -q ":/var/lib/mugai:"'
check "/var/lib/mugai belongs to mugai (0750)" bash -c '[[ $(stat -c "%U:%G %a" /var/lib/mugai) == "mugai:mugai 750" ]]'
check "$conf is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' mugai | grep -q ' $conf '"
check "the unit is installed" test -f /lib/systemd/system/mugaid.service
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/mugaid.service
check "and not started by the installation" bash -c "$(declare -f installed_mugaid_runs); ! installed_mugaid_runs"
for page in mugaid:8 mugai:1 mugai.conf:5; do
	check "man finds ${page%:*}(${page#*:})" bash -c 'man -w "$2" "$1" | grep -q "^/usr/share/man/man$2/"' _ "${page%:*}" "${page#*:}"
done
out=$(/usr/sbin/mugaid -t -c "$conf" 2>&1)
check "the installed configuration checks out as installed ($out)" grep -q "configuration ok" <<<"$out"

# ---- the installed daemon on the installed configuration
smtp=$(free_port)
admin=$(free_port)
(cd / && exec /usr/sbin/mugaid -f -c "$conf" -o "smtp.listen=127.0.0.1:$smtp" \
	-o "admin.listen=127.0.0.1:$admin" -o workers.count=1) 2>"$tmp/mugaid.log" &
pid=$!
for _ in $(seq 100); do listening "$smtp" && break; sleep 0.1; done
check "mugaid listens" listening "$smtp"
check "it runs as mugai" bash -c "[[ \$(ps -o user= -p $pid) == mugai ]]"
reply=$(swaks --server "127.0.0.1:$smtp" --from alice@example.org --to bob@example.lg.jp \
	--header "Subject: packaged" --add-header "Content-Type: text/html; charset=utf-8" \
	--body '<html><body><script>alert(1)</script><p>hello from the package</p></body></html>' 2>&1)
check "swaks: the mail is accepted" grep -q "<- *250 .*sanitised" <<<"$reply"
out_file=$(ls /var/lib/mugai/outbox/mail/* 2>/dev/null | head -1)
check "the sanitised mail is in the outbox" test -n "$out_file"
if [[ -n $out_file ]]; then
	# the body as a reader sees it, decoded
	text=$(python3 -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb"))
for p in m.walk():
    if not p.is_multipart(): print(p.get_content_type(), p.get_payload(decode=True).decode("utf-8","replace"))' "$out_file")
	check "sanitised: the HTML became text, its words kept" bash -c \
		'grep -q "hello from the package" <<<"$1" && grep -q "^text/plain" <<<"$1" && ! grep -q "^text/html" <<<"$1"' _ "$text"
	check "sanitised: no script left" bash -c "! grep -qi -e '<script' -e 'alert(1)' <<<\"\$1\"" _ "$text"
fi
zygote=$(pgrep -f "mugaid: zygote" | head -1)
check "its zygotes run the packaged mugai-worker" \
	bash -c '[[ $(readlink "/proc/$1/exe") == /usr/*/mugai/mugai-worker ]] && dpkg -S "$(readlink "/proc/$1/exe")" >/dev/null' _ "$zygote"
list=$(/usr/bin/mugai quarantine -c "$conf" list 2>&1)
check "the item is in the quarantine index ($(wc -l <<<"$list") lines)" grep -q "packaged" <<<"$list"
check "the original is in the quarantine, script and all" \
	bash -c "grep -rqs 'alert(1)' /var/lib/mugai/quarantine --include='*' --exclude='*.db*'"
grep -v '^{.*}$' "$tmp/mugaid.log" | grep -q . && ko "log lines that are not JSON" || ok "every log line is JSON"
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" 2>/dev/null
check "SIGTERM stops it" bash -c "! kill -0 $pid 2>/dev/null"
pid=

# ---- purge
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mugai >/dev/null 2>&1
check "apt-get purge mugai" bash -c "! dpkg -s mugai >/dev/null 2>&1"
left=
for f in /usr/sbin/mugaid /usr/bin/mugai /etc/mugai /var/lib/mugai /lib/systemd/system/mugaid.service \
	/etc/systemd/system/multi-user.target.wants/mugaid.service /usr/share/doc/mugai /usr/share/mugai; do
	[[ -e $f || -L $f ]] && left+=" $f"
done
check "nothing of it is left${left:+ (left:$left)}" test -z "$left"
check "the user mugai stays, as Debian policy asks" getent passwd mugai

echo "$passed passed, $failed failed"
((failed == 0))
