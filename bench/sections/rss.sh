#!/usr/bin/env bash
# Worker peak memory: every file of the shared corpus and every bench input
# (the generated mail corpus, the gateway's HTML and .docm mails, the
# generated zip, docx and PDF) sanitised in a job process of its own
# forked from a warmed-up core, as mugaid's workers run them
# (bench_rss); the largest peak resident set against the goal of 256 MiB.
# Needs $BUILD and $BENCH_OUT; runs after mail.sh, whose corpus it reuses.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib.sh"
corpus=${MUGAI_CORPUS:-$(cd "$here/../../shared/corpus" 2>/dev/null && pwd || true)}
bench=$BUILD/bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$bench/bench_rss" ]; then
	echo "rss: $bench/bench_rss not built, skipped"
	exit 0
fi
inputs=()
[ -n "$corpus" ] && [ -d "$corpus" ] &&
	mapfile -t inputs < <(find "$corpus" -type f ! -name '*.md' | sort)
[ -d "$BENCH_OUT/mail-corpus/mail" ] &&
	mapfile -t -O "${#inputs[@]}" inputs < <(find "$BENCH_OUT/mail-corpus/mail" -type f | sort)
mkdir -p "$work/mail"
[ -n "$corpus" ] && cp "$corpus/mail/mikel_content_transfer_encoding_text-html.eml" "$work/mail/html.eml" &&
	inputs+=("$work/mail/html.eml")
[ -n "$corpus" ] && /usr/bin/python3 - "$corpus/office/harmless-clean.docm" >"$work/mail/docm.eml" <<'PY' &&
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"], m["To"], m["Subject"] = "bench@example.org", "staff@example.lg.jp", "bench"
m.set_content("see the attachment\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="vnd.ms-word.document.macroEnabled.12", filename="a.docm")
sys.stdout.write(m.as_string())
PY
	inputs+=("$work/mail/docm.eml")
"$bench/bench_archive" --generate 800 "$work/members-800.zip" && inputs+=("$work/members-800.zip")
"$bench/bench_office" --generate 20000 "$work/generated-20000p.docx" >/dev/null &&
	inputs+=("$work/generated-20000p.docx")
"$bench/bench_pdf" --generate 40 "$work/generated-40p.pdf" >/dev/null && inputs+=("$work/generated-40p.pdf")

"$bench/bench_rss" "${inputs[@]}" >"$work/rss.txt"
crashed=$(grep -c 'verdict=crashed' "$work/rss.txt" || true)
max=$(sed -n 's/^max_rss_kib=\([0-9]*\).*/\1/p' "$work/rss.txt")
top=$(sed -n 's/^max_rss_kib=[0-9]* file=\(.*\) inputs=.*/\1/p' "$work/rss.txt")
echo "rss: ${#inputs[@]} inputs, each in a job process of its own; $crashed crashed"
echo "rss: largest peaks:"
grep '^rss_kib=' "$work/rss.txt" | sort -t= -k2 -n -r |
	awk 'NR <= 5 { split($1, a, "="); sub(/^file=/, "", $3); printf "rss   %8.1f MiB  %s\n", a[2] / 1024, $3 }'
mib=$(awk -v k="$max" 'BEGIN{printf "%.1f", k / 1024}')
record rss.max_kib "$max" KiB
record rss.max_file "$(basename "$top")"
record rss.inputs "${#inputs[@]}"
record rss.crashed "$crashed"
goal rss.max_mib "$mib" "<=" 256 "worker peak RSS, MiB, on every input"
