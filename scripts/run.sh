#!/usr/bin/env bash
# `make run`: the gateway on its embedded default configuration (SMTP on
# 127.0.0.1:2525 with a dir: next hop, drop folders, a SQLite quarantine
# under var/, the review UI on 127.0.0.1:8025), after sanitising the sample
# mails once so there is something to look at.  Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mugai=$build/gateway/mugai
mugaid=$build/gateway/mugaid

mkdir -p var
echo "== the sample mails in samples/, sanitised into var/samples/"
rm -rf var/samples
"$mugai" sanitize samples var/samples >/dev/null 2>&1 || true
ls -1 var/samples | sed 's/^/   /'

# Started as root, mugaid drops to the unprivileged user `mugai`.
if [ "$(id -u)" -eq 0 ] && ! id mugai >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mugai
fi

# A first admin, once; its password is kept in var/ (mode 600) for later runs.
pwfile=var/admin-password
if [ ! -s "$pwfile" ]; then
	umask 077
	head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pwfile"
	MUGAI_PASSWORD=$(cat "$pwfile") "$mugai" user add admin --role admin >/dev/null
	umask 022
fi
[ "$(id -u)" -eq 0 ] && chown -R mugai: var/quarantine 2>/dev/null || true

cat <<EOF

== mugaid: SMTP 127.0.0.1:2525 -> dir:var/outbox/mail, drop folder var/inbox -> var/outbox/files
   review UI   http://127.0.0.1:8025/   user admin, password $(cat "$pwfile")
   send a mail swaks --server 127.0.0.1:2525 --to staff@lgwan.example --from a@example.org \\
                     --attach @samples/$(ls samples | head -1)
   drop a file cp report.pdf var/inbox/   (the sanitised copy and its report land in var/outbox/files/)
   look        ls var/outbox/mail var/outbox/files; $mugai quarantine list
   logs        one JSON object per line, below.  Ctrl-C stops the gateway.

EOF
exec "$mugaid" -f
