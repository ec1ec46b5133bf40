#!/usr/bin/env bash
# A corpus of 33 Japanese government notices and newsletters, made here
# (tests/integration/lib/jp_mail_corpus.py: ISO-2022-JP, Shift_JIS and
# UTF-8; stub text versions, tables, lists, links, inline images,
# Outlook-style HTML, winmail.dat with a file in it), sent through mugaid
# to smtp-sink twice: with policy html = text (the default), no word the
# HTML shows is missing from the delivered text; with policy html = safe,
# none is missing from the delivered text nor from the delivered HTML.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"
corpus_py=$here/lib/jp_mail_corpus.py

$py "$corpus_py" make "$tmp/corpus"
n=$(ls "$tmp/corpus" | wc -l)
check "the corpus has at least 30 mails ($n)" test "$n" -ge 30
sink_port=$(free_port)
count() { [[ $(ls "$1" 2>/dev/null | wc -l) -ge $2 ]]; }

for mode in text safe; do
	sink=$tmp/sink-$mode
	start_sink "$sink_port" "$sink" || { ko "smtp-sink starts"; finish; exit 1; }
	start_mugaid -o "relay.next_hop=smtp:127.0.0.1:$sink_port" -o workers.count=2 \
		-o "policy.html=$mode" || { ko "mugaid starts"; finish; exit 1; }
	check "policy html = $mode: the corpus is sent" $py "$corpus_py" send "$smtp_port" "$tmp/corpus"
	check "policy html = $mode: all $n mails are delivered" wait_until 50 count "$sink" "$n"
	stop_mugaid
	stop_sink
	out=$($py "$corpus_py" check "$mode" "$tmp/corpus" "$sink")
	rc=$?
	check "policy html = $mode: no word of the HTML lost ($(tail -1 <<<"$out"))" test "$rc" = 0
	grep -v '^checked' <<<"$out" | head -20
done
finish
