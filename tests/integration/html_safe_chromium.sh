#!/usr/bin/env bash
# policy html = safe, checked by a browser: a mail whose HTML tries every
# way to load or run something (scripts, event attributes, style sheets
# and url() in styles, CSS escapes, base, meta refresh, frames, objects,
# forms, SVG, MathML, srcset, background attributes, remote images, each
# aimed at its own path of a local HTTP server) goes through mugaid to
# smtp-sink; the delivered HTML is loaded in headless Chromium while the
# server counts the requests it gets.  The original, loaded the same way,
# does make requests and does run its script (so the check can fail);
# the delivered page makes none, runs nothing (its title stays empty, it
# stays where it was opened), and shows every word of the original.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
	[[ -x $tool ]] || { ko "$tool is missing"; finish; exit 1; }
done
$py -c 'import selenium' 2>/dev/null || { ko "python3-selenium is missing"; finish; exit 1; }

sink_port=$(free_port) http_port=$(free_port)
sink=$tmp/sink
start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=1 \
	-o policy.html=safe || { ko "mugaid starts"; finish; exit 1; }

$py "$here/lib/html_attack_mail.py" "$http_port" "$tmp/attack.eml" "$tmp/words.txt"
out=$($py "$here/lib/send_mail.py" --port "$smtp_port" --to staff@example.lg.jp "$tmp/attack.eml")
out=$(head -1 <<<"$out")
check "the mail is accepted: $out" grep -q '^250' <<<"$out"
delivered() { [[ -n $(ls "$sink" 2>/dev/null) ]]; }
check "the mail is delivered" wait_until 60 delivered
dump=$(ls "$sink"/* 2>/dev/null | head -1)
stop_mugaid

# the delivered page first: nothing the original set going can count against it
res=$($py "$here/lib/html_in_chromium.py" "$http_port" safe="$dump" original="$tmp/attack.eml")
echo "$res" >"$tmp/result.json"
field() { $py -c 'import json,sys; r=json.load(open(sys.argv[1]))[sys.argv[2]]; v=r.get(sys.argv[3]); print(json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v)' "$tmp/result.json" "$1" "$2"; }

contains() { [[ $1 == *"$2"* ]]; }

# the control: this browser does load and run what the original asks
check "the original makes requests: $(field original hits | cut -c1-100)..." \
	contains "$(field original hits)" remote-img
check "the original runs its script" contains "$(field original hits)" script-ran

check "the delivered mail has an HTML version" test "$(field safe html_found)" = True
check "the delivered page makes no request (got: $(field safe hits))" test "$(field safe hits)" = "[]"
check "the delivered page runs no script (title '$(field safe title)')" test -z "$(field safe title)"
check "the delivered page has no script element" test "$(field safe scripts)" = 0
check "the delivered page stays where it was opened" contains "$(field safe url)" file://
missing=
while read -r w; do
	[[ -z $w ]] && continue
	grep -qF -- "$w" <<<"$(field safe text)" || missing+=" $w"
done <"$tmp/words.txt"
check "every visible word of the original is shown$missing" test -z "$missing"
check "the notice names what was removed" contains "$(field safe text)" "scripts removed from the HTML"
finish
