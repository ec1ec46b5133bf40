#!/usr/bin/env bash
# Every line mugaid writes is one JSON object, the libraries' warnings
# included: a mail whose attachment is an OLE2 file with a damaged
# directory makes libgsf (through glib) warn inside the job process; the
# warning must come out as a JSON line naming its source and the item,
# and no line of the log may be anything but JSON.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

next=$tmp/next
start_mugaid -o workers.count=1 -o "relay.next_hop=dir:$next" || { ko "mugaid starts"; finish; exit; }

mail=$tmp/damaged.eml
$py - "$mail" "$MUGAI_SOURCE/fuzz/corpus/ole2/damaged-directory.doc" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "alice@example.org"
m["To"] = "bob@example.lg.jp"
m["Subject"] = "damaged document"
m.set_content("see attachment\n")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="application",
                 subtype="msword", filename="damaged.doc")
open(sys.argv[1], "wb").write(bytes(m))
PY
reply=$($py "$here/lib/send_mail.py" --port "$smtp_port" "$mail")
[[ $reply == 250* ]] && ok "the mail is accepted ($reply)" || ko "reply: $reply"
wait_until 10 grep -q '"source":"glib"' "$log"
stop_mugaid

bad=$($py - "$log" <<'PY'
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
    try:
        assert isinstance(json.loads(line), dict)
    except Exception:
        print(f"{n}: {line.rstrip()[:200]}")
PY
)
[[ -z $bad ]] && ok "every one of $(wc -l <"$log") log lines is a JSON object" || { ko "lines that are not JSON:"; head -5 <<<"$bad"; }

gsf=$(grep '"source":"glib"' "$log" | grep '"domain":"libgsf' | head -1)
[[ -n $gsf ]] && ok "libgsf's warning is a log line: $(json_field msg <<<"$gsf")" || ko "no libgsf line in the log"
if [[ -n $gsf ]]; then
	id=$(json_field item <<<"$gsf" 2>/dev/null)
	[[ -n $id && -n $(item_line "$id") ]] && ok "it names the item ($id) whose log line says what became of it" ||
		ko "the warning's item '$id' has no item line"
	[[ $(json_field prog <<<"$gsf") == "smtpd[0]" ]] && ok "and the service it ran for" ||
		ko "prog: $(json_field prog <<<"$gsf")"
	# the item line carries the report's type, actions and removed count
	line=$(item_line "$id")
	summary=$($py -c '
import json, sys
f = json.loads(sys.argv[1])
print(f.get("type"), len(f.get("actions") or []), f.get("removed"))' "$line")
	read -r type nactions removed <<<"$summary"
	[[ $type == message/rfc822 && $nactions -gt 0 && $removed -ge 1 ]] &&
		ok "the item line has the report's type ($type), $nactions actions and $removed removed" ||
		ko "item line summary: $summary"
fi
finish
