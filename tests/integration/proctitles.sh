#!/usr/bin/env bash
# Process titles: `ps -o args` tells the master from each service and
# each service's worker (mugaid: master, mugaid: smtpd[0], mugaid: dropd,
# mugaid: admind, mugaid: zygote (smtpd[0])), while `pgrep -x` still
# finds the short kernel names.  The job title (mugaid: job ITEM) is
# checked by check_proctitle, which holds a job open long enough to see.
set -uo pipefail
source "$(dirname "$0")/lib/gateway.bash"

args_of() { ps -o args= -p "$1" | sed 's/ *$//'; }
children() { ps -o pid= --ppid "$1" | tr -d ' '; }

start_mugaid -o workers.count=2 || { ko "mugaid starts"; finish; exit; }
[[ $(args_of "$mugaid_pid") == "mugaid: master" ]] && ok "the master is 'mugaid: master'" ||
	ko "master shows '$(args_of "$mugaid_pid")'"

declare -A by_title=()
for c in $(children "$mugaid_pid"); do
	by_title[$(args_of "$c")]=$c
done
for want in "mugaid: smtpd[0]" "mugaid: smtpd[1]" "mugaid: dropd" "mugaid: admind"; do
	[[ -n ${by_title[$want]:-} ]] && ok "a service shows '$want'" ||
		ko "no '$want' among: $(for t in "${!by_title[@]}"; do printf '[%s] ' "$t"; done)"
done
# the name kept for pgrep -x
smtpd0=${by_title["mugaid: smtpd[0]"]:-}
if [[ -n $smtpd0 ]]; then
	[[ $(ps -o comm= -p "$smtpd0") == mugai-smtpd ]] && ok "smtpd's kernel name stays mugai-smtpd" ||
		ko "smtpd comm '$(ps -o comm= -p "$smtpd0")'"
	zygotes=$(for z in $(children "$smtpd0"); do args_of "$z"; done)
	grep -qxF "mugaid: zygote (smtpd[0])" <<<"$zygotes" && ok "smtpd[0]'s worker is 'mugaid: zygote (smtpd[0])'" ||
		ko "smtpd[0]'s children show: $zygotes"
fi
dropd=${by_title["mugaid: dropd"]:-}
if [[ -n $dropd ]]; then
	zygotes=$(for z in $(children "$dropd"); do args_of "$z"; done)
	grep -qxF "mugaid: zygote (dropd[0])" <<<"$zygotes" && ok "dropd's worker is 'mugaid: zygote (dropd[0])'" ||
		ko "dropd's children show: $zygotes"
fi
# nothing of the command line is left over in /proc
tr '\0' '\n' <"/proc/$mugaid_pid/cmdline" | grep -q -- '-o' && ko "the master's cmdline still has its options" ||
	ok "the master's cmdline holds only the title"
finish
