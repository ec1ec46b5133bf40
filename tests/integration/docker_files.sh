#!/usr/bin/env bash
# docker/ cannot be built here (no Docker daemon), so its files are kept
# true by reading them against what is built and tested:
#   - the build stage installs every package scripts/install-deps.sh lists
#     for building (the sanitizer/fuzzing compilers excepted);
#   - the runtime stage installs the package of every library mugaid links
#     (readelf NEEDED, resolved with dpkg -S on this Debian);
#   - the gateway and clamd stages run unprivileged;
#   - compose.yaml parses, uses only stages the Dockerfile has, and agrees
#     with docker/mugai.conf (ports, next hop, socket, drop folders);
#   - docker/mugai.conf is a valid configuration (mugaid -t);
#   - the MTA entrypoint is valid sh and rewrites the shipped snippet's
#     proxy address.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${MUGAI_SOURCE:-$(cd "$here/../.." && pwd)}
build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
py=/usr/bin/python3
dockerfile=$src/docker/Dockerfile
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local n=$1; shift; if "$@"; then ok "$n"; else ko "$n"; fi; }

# the text of one stage: stage NAME
stage() { awk -v s="$1" '/^FROM /{on = ($NF == s)} on' "$dockerfile"; }

# ---- build stage vs install-deps.sh
build_pkgs=$(sed -n '/^build_pkgs=(/,/^)/p' "$src/scripts/install-deps.sh" | sed '1d;$d' | tr ' ' '\n' | grep -v '^$')
missing=
for p in $build_pkgs; do
	case $p in clang | llvm | libclang-rt-*) continue ;; esac
	stage build | grep -qw -- "$p" || missing+=" $p"
done
check "the build stage installs every build package of install-deps.sh${missing:+ (missing:$missing)}" test -z "$missing"

# ---- runtime stage vs what mugaid links
missing=
# by the path the loader resolves: a bare name also matches other
# architectures' copies (libm.so.6 is in libc6-i386 too)
for lib in $(readelf -d "$build/gateway/mugaid" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	path=$(ldd "$build/gateway/mugaid" | awk -v l="$lib" '$1 == l && $3 ~ /^\// {print $3; exit}')
	pkg=$(dpkg -S "${path:-*/$lib}" 2>/dev/null | head -1 | cut -d: -f1)
	[[ -z $pkg || $pkg == libc6 ]] && continue
	stage mugai | grep -qw -- "$pkg" || missing+=" $pkg($lib)"
done
check "the runtime stage installs the package of every library mugaid links${missing:+ (missing:$missing)}" test -z "$missing"
check "the gateway image runs as the unprivileged user mugai" bash -c 'grep -q "^USER mugai$" <<<"$1" && grep -q "useradd --system" <<<"$1"' _ "$(stage mugai)"
check "the clamd image runs as clamav" grep -q "^USER clamav$" <<<"$(stage clamd)"
check "the build copies what the runtime stages use (binaries, postfix snippets)" \
	bash -c 'grep -q "mugaid /out/usr/sbin/mugaid" <<<"$1" && grep -q "cp -r etc/postfix" <<<"$1"' _ "$(stage build)"
# mugaid starts its workers' zygotes as the program the prefix /usr puts in
# /usr/libexec/mugai: built there, it would find no other
check "the build installs mugai-worker where mugaid starts it from" \
	bash -c 'grep -q -- "-DCMAKE_INSTALL_PREFIX=/usr " <<<"$1" &&
		grep -q "mugai-worker /out/usr/libexec/mugai/mugai-worker" <<<"$1"' _ "$(stage build)"

# ---- compose.yaml against the Dockerfile and docker/mugai.conf
out=$($py - "$src/docker/compose.yaml" "$dockerfile" "$src/docker/mugai.conf" <<'EOF' 2>&1
import configparser, re, sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
stages = set(re.findall(r"^FROM \S+ AS (\S+)", open(sys.argv[2]).read(), re.M))
conf = configparser.ConfigParser()
conf.read(sys.argv[3])
svc = compose["services"]
problems = []
for name, s in svc.items():
    b = s.get("build", {})
    if b.get("target") not in stages:
        problems.append("%s: target %r is not a stage" % (name, b.get("target")))
    if b.get("dockerfile") != "docker/Dockerfile" or b.get("context") != "..":
        problems.append("%s: not built from docker/Dockerfile in the repository" % name)
listen_port = conf["smtp"]["listen"].rsplit(":", 1)[1]
if svc["internet-mta"]["environment"]["MUGAI_ADDR"] != "mugai:" + listen_port:
    problems.append("internet-mta does not hand mail to mugai's smtp.listen port")
hop = conf["relay"]["next_hop"]
m = re.match(r"smtp:([^:]+):(\d+)$", hop)
if not m or m.group(1) not in svc:
    problems.append("relay.next_hop %s is not a compose service" % hop)
nets = lambda n: set(svc[n].get("networks", []))
if m and not (nets("mugai") & nets(m.group(1))):
    problems.append("mugai shares no network with its next hop")
if not (nets("mugai") & nets("internet-mta")):
    problems.append("mugai shares no network with the internet MTA")
if not compose["networks"]["lgwan"].get("internal"):
    problems.append("the LGWAN network is not internal")
mounts = {v.split(":")[1]: v.split(":")[0] for v in svc["mugai"]["volumes"]}
sock = conf["clamd"]["socket"]
sockdir = sock.rsplit("/", 1)[0]
if sockdir not in mounts or not any(v.startswith(mounts[sockdir] + ":" + sockdir) for v in svc["clamd"]["volumes"]):
    problems.append("clamd.socket %s is not on a volume shared with clamd" % sock)
for key in ("inbox", "outbox"):
    if conf["drop"][key] not in mounts:
        problems.append("drop.%s is not a volume" % key)
if conf["quarantine"]["dir"] not in mounts:
    problems.append("quarantine.dir is not a volume")
admin_port = conf["admin"]["listen"].rsplit(":", 1)[1]
if not any(p.endswith(":" + admin_port) for p in svc["mugai"].get("ports", [])):
    problems.append("admin.listen is not published")
print("\n".join(problems))
EOF
)
check "compose.yaml parses and agrees with the Dockerfile and docker/mugai.conf${out:+ ($out)}" test -z "$out"

# the container's state directory, which this machine need not have, made here
state=$(mktemp -d)
out=$("$build/gateway/mugaid" -t -c "$src/docker/mugai.conf" -o "daemon.directory=$state" 2>&1)
rmdir "$state"
check "docker/mugai.conf is a valid configuration" grep -q "configuration ok" <<<"$out"
check "the MTA entrypoint is valid sh" sh -n "$src/docker/mta-entrypoint.sh"
check "the entrypoint rewrites the proxy address the shipped snippet uses" \
	bash -c 'grep -q "smtpd_proxy_filter=127.0.0.1:10025" "$1/etc/postfix/master.cf.before-queue" && grep -q "s/127.0.0.1:10025/\$mugai/" "$1/docker/mta-entrypoint.sh"' _ "$src"
check "the build context leaves build trees out" grep -qx 'build\*' "$src/docker/Dockerfile.dockerignore"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
