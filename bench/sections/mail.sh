#!/usr/bin/env bash
# Mail core against Python's email package (policy=default, get_body and
# iter_attachments) and against its floor, gmime alone parsing and walking
# every part (bench_gmime_walk); HTML -> text against html2text; all on the
# same generated corpus in the same run.  The measurements take turns,
# five times (MAIL_BENCH_TURNS), and the best of each counts: on a shared
# machine a ratio of two figures taken at different moments is otherwise
# mostly noise (with three turns, two runs a few minutes apart, of builds
# 0.4% of instructions apart, read 4.8 and 4.6 times Python, and the floor
# 5.5 and 7.1 times the core).  Env: BUILD, BENCH_OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib.sh"
corpus=$BENCH_OUT/mail-corpus
count=${MAIL_BENCH_COUNT:-1000}
turns=${MAIL_BENCH_TURNS:-5}
rm -rf "$corpus"
/usr/bin/python3 "$here/gen_mail_corpus.py" "$corpus" "$count"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

python_mail() {
	/usr/bin/python3 - "$corpus/mail" <<'PY'
import email, email.policy, os, sys, time
d = sys.argv[1]
files = [open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))]
t0 = time.monotonic()
for b in files:
    m = email.message_from_bytes(b, policy=email.policy.default)
    body = m.get_body(("plain", "html"))
    if body is not None:
        body.get_content()
    for a in m.iter_attachments():
        a.get_content()
s = time.monotonic() - t0
n = len(files); size = sum(map(len, files))
print("items=%d bytes=%d seconds=%.3f per_s=%.1f mb_s=%.2f" % (n, size, s, n / s, size / s / 1048576))
PY
}

# the best line of the turns (highest per_s) of each
best() { awk -F'per_s=' '{ split($2, a, " "); if (a[1] + 0 >= best) { best = a[1] + 0; line = $0 } } END { print line }'; }
for _ in $(seq "$turns"); do
	"$BUILD/bench/bench_mail" mail "$corpus/mail" 2 >>"$corpus/mugai.runs"
	python_mail >>"$corpus/python.runs"
	"$BUILD/bench/bench_gmime_walk" "$corpus/mail" 3 >>"$corpus/floor.runs"
done
mugai_mail=$(best <"$corpus/mugai.runs")
py_mail=$(best <"$corpus/python.runs")
floor_mail=$(best <"$corpus/floor.runs")

python_html() {
	/usr/bin/python3 - "$corpus/html" <<'PY'
import html2text, os, sys, time
d = sys.argv[1]
files = [open(os.path.join(d, f), encoding="utf-8").read() for f in sorted(os.listdir(d))] * 5
t0 = time.monotonic()
for h in files:
    c = html2text.HTML2Text()
    c.ignore_images = True
    c.handle(h)
s = time.monotonic() - t0
n = len(files); size = sum(len(h.encode()) for h in files)
print("items=%d bytes=%d seconds=%.3f per_s=%.1f mb_s=%.2f" % (n, size, s, n / s, size / s / 1048576))
PY
}

# HTML -> text in turns as well: mugai over 25 rounds (half a second or
# so; one round of 200 pages is too short to time), html2text over 5
for _ in $(seq "$turns"); do
	"$BUILD/bench/bench_mail" html "$corpus/html" 25 >>"$corpus/mugai-html.runs"
	python_html >>"$corpus/html2text.runs"
done
mugai_html=$(best <"$corpus/mugai-html.runs")
py_html=$(best <"$corpus/html2text.runs")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
m_rate=$(echo "$mugai_mail" | field per_s); m_mb=$(echo "$mugai_mail" | field mb_s)
p_rate=$(echo "$py_mail" | field per_s); p_mb=$(echo "$py_mail" | field mb_s)
h_rate=$(echo "$mugai_html" | field per_s); h_mb=$(echo "$mugai_html" | field mb_s)
t_rate=$(echo "$py_html" | field per_s); t_mb=$(echo "$py_html" | field mb_s)
g_rate=$(echo "$floor_mail" | field per_s); g_mb=$(echo "$floor_mail" | field mb_s)
echo "mail corpus: $count messages ($(echo "$mugai_mail" | field bytes) bytes), $(ls "$corpus/html" | wc -l) HTML bodies"
printf '%-44s %12s %10s\n' "" "messages/s" "MB/s"
printf '%-44s %12s %10s\n' "mugai mail rebuild (parse+sanitise+write)" "$m_rate" "$m_mb"
printf '%-44s %12s %10s\n' "python email parse (get_body/attachments)" "$p_rate" "$p_mb"
printf '%-44s %12s %10s\n' "ratio mugai / python email" "$(ratio "$m_rate" "$p_rate")" "$(ratio "$m_mb" "$p_mb")"
printf '%-44s %12s %10s\n' "gmime parse and walk alone (the floor)" "$g_rate" "$g_mb"
printf '%-44s %12s %10s\n' "ratio floor / mugai" "$(ratio "$g_rate" "$m_rate")" "$(ratio "$g_mb" "$m_mb")"
printf '%-44s %12s %10s\n' "mugai HTML -> text (libxml2)" "$h_rate" "$h_mb"
printf '%-44s %12s %10s\n' "html2text" "$t_rate" "$t_mb"
printf '%-44s %12s %10s\n' "ratio mugai / html2text" "$(ratio "$h_rate" "$t_rate")" "$(ratio "$h_mb" "$t_mb")"
echo "mugai mails sanitised: $(echo "$mugai_mail" | field sanitised) of $((count * 2)) (2 rounds, best of $turns turns)"

record mail.mugai_per_s "$m_rate" msg/s
record mail.python_per_s "$p_rate" msg/s
record mail.gmime_walk_per_s "$g_rate" msg/s
record html.mugai_per_s "$h_rate" items/s
record html.html2text_per_s "$t_rate" items/s
goal mail.core_over_python "$(fmt_ratio "$m_rate" "$p_rate")" ">=" 5 "mail core / Python email parse"
goal mail.floor_over_core "$(fmt_ratio "$g_rate" "$m_rate")" "<=" 3 "gmime walk (floor) / mail core"
goal html.mugai_over_html2text "$(fmt_ratio "$h_rate" "$t_rate")" ">=" 15 "HTML -> text / html2text"
