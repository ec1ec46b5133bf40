#!/usr/bin/env bash
# The manual pages: each renders with man -l without a warning, and none
# lacks an entry: every key mugaid -T prints (the key table the code
# reads) has one in mugai.conf(5), every command of mugai --help and every
# action of mugai quarantine, mugai user and mugai token one in mugai(1), every option
# of mugaid --help one in mugaid(8).
set -uo pipefail
build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
src=${MUGAI_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
mugaid=$build/gateway/mugaid
mugai=$build/gateway/mugai
man=$src/man
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }

for page in mugaid.8 mugai.1 mugai.conf.5; do
	out=$(MANWIDTH=80 man --warnings -l "$man/$page" 2>"${TMPDIR:-/tmp}/man-warn.$$")
	warn=$(cat "${TMPDIR:-/tmp}/man-warn.$$"); rm -f "${TMPDIR:-/tmp}/man-warn.$$"
	name=${page%.*}
	if [[ -z $warn ]] && grep -q "^NAME" <<<"$out" && grep -q "$name" <<<"$out"; then
		ok "man -l renders $page ($(wc -l <<<"$out") lines)"
	else
		ko "man -l $page: ${warn:-no NAME section}"
	fi
done

# an entry: a line of the page that starts with a roff font request
# naming the word
has_entry() { grep -qE "^\.(B|BI|BR|IR) \"?$(sed 's/[.[]/\\&/g' <<<"$2")([ \"]|$)" "${man:?}/$1"; }
missing=
keys=$("$mugaid" -T | awk '/^\[/ { s = substr($0, 2, length($0) - 2); next } /^[a-z_]+ =/ { print s "." $1 }')
for k in $keys; do has_entry mugai.conf.5 "$k" || missing+=" $k"; done
[[ -n $keys && -z $missing ]] && ok "mugai.conf(5) describes all $(wc -w <<<"$keys") keys" ||
	ko "keys without an entry in mugai.conf(5):$missing"

missing=
cmds=$("$mugai" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
for c in $cmds; do has_entry mugai.1 "$c" || missing+=" $c"; done
[[ -n $cmds && -z $missing ]] && ok "mugai(1) describes every command: $(tr '\n' ' ' <<<"$cmds")" ||
	ko "commands without an entry in mugai(1):$missing"
for sub in quarantine user token; do
	missing=
	acts=$("$mugai" "$sub" --help | awk '/^  [a-z]+( |$)/ { print $1 }' | sort -u)
	for a in $acts; do has_entry mugai.1 "$a" || missing+=" $a"; done
	# "disable NAME | enable NAME" names two actions on one line
	[[ $sub == user ]] && ! grep -q 'enable ' "$man/mugai.1" && missing+=" enable"
	[[ -n $acts && -z $missing ]] && ok "mugai(1) describes every $sub action: $(tr '\n' ' ' <<<"$acts")" ||
		ko "$sub actions without an entry in mugai(1):$missing"
done

missing=
opts=$("$mugaid" --help | grep -oE '^  -[a-zA-Z]' | tr -d ' ')
for o in $opts; do grep -qE "^\.(B|BI|BR) .*\\\\$o( |\"|$)" "$man/mugaid.8" || missing+=" $o"; done
[[ -n $opts && -z $missing ]] && ok "mugaid(8) describes every option: $(tr '\n' ' ' <<<"$opts")" ||
	ko "options without an entry in mugaid(8):$missing"

# the check itself can fail: a key the page lacks is found (on a copy)
copy=$(mktemp -d)
sed '/^\.B smtp\.max_size$/d' "$man/mugai.conf.5" >"$copy/mugai.conf.5"
man=$copy has_entry mugai.conf.5 smtp.max_size && ko "a removed entry went unnoticed" || ok "a removed entry is noticed"
rm -rf "$copy"

echo "$passed passed, $failed failed"
((failed == 0))
