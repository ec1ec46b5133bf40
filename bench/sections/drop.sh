#!/usr/bin/env bash
# The drop folder, files per second: BENCH_DROP_COUNT small documents (a
# text file and a .docx made here, alternating) moved into the inbox at
# once, timed until every one has its report in the outbox; first one
# node, then two nodes (two mugaid, daemon.node gw1 and gw2) on one shared
# inbox and one index (a throwaway PostgreSQL when installed, else one
# SQLite file), each claiming files by rename (issue 10, item 3).  Prints
# both rates and two nodes over one.  On one 2-core machine the two nodes
# share the cores: the ratio shows what claiming costs and what a second
# worker adds here, not what a second machine would.
set -euo pipefail
root=$(pwd)
export MUGAI_BUILD=$root/$BUILD
if [ ! -x "$MUGAI_BUILD/gateway/mugaid" ]; then
	echo "drop: mugaid missing, skipped"
	exit 0
fi
set +e
source "$root/tests/integration/lib/gateway.bash"
set -e
source "$root/bench/lib.sh"
count=${BENCH_DROP_COUNT:-300}
pg=$root/scripts/pg-test.sh
uri=$(bash "$pg" start 2>/dev/null || true)
trap 'set +e; cleanup; [ -n "$uri" ] && bash "$pg" stop "$uri"' EXIT

mkdir -p "$tmp/make"
seq 1 300 | sed 's/^/議事録の行 /' >"$tmp/make/note.txt"
$py - "$tmp/make/doc.docx" <<'PY'
import sys, zipfile
ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
doc = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
       + "".join('<w:p><w:r><w:t>申請書 %d</w:t></w:r></w:p>' % i for i in range(200)) + '</w:body></w:document>')
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("[Content_Types].xml", ct); z.writestr("_rels/.rels", rels); z.writestr("word/document.xml", doc)
PY

if [ -n "$uri" ]; then
	index=(-o "quarantine.index=$uri" -o quarantine.store=postgresql)
	which_index=PostgreSQL
else
	index=(-o "quarantine.index=sqlite:$tmp/shared-q/index.db" -o "quarantine.dir=$tmp/shared-q")
	which_index="one SQLite file"
	mkdir -p "$tmp/shared-q" && chmod 777 "$tmp/shared-q"
fi

# start_node NAME RUN: a mugaid on the run's inbox and outbox
start_node() {
	gw=$tmp/$2-$1 log=$tmp/$2-$1/mugaid.log smtp_port= admin_port=
	start_mugaid -o "daemon.node=$1" -o "relay.next_hop=dir:$gw/mail" -o workers.count=1 \
		-o "drop.inbox=$tmp/$2/inbox" -o "drop.outbox=$tmp/$2/outbox" -o drop.settle=1s \
		-o drop.rescan=2s "${index[@]}" >/dev/null
	pids_to_stop+=("$mugaid_pid")
	mugaid_pid=
}
# run NAME NODES...: files per second through that many nodes, in $rate.
# Not run in a command substitution: the nodes it starts must be known to
# this shell, which stops them (a subshell's list was lost, and with it
# three mugaid per bench left running).
run() {
	local name=$1 n t0 secs first=${#pids_to_stop[@]}
	shift
	mkdir -p "$tmp/$name/inbox" "$tmp/$name/outbox" "$tmp/$name/stage"
	chmod -R 777 "$tmp/$name"
	for node in "$@"; do start_node "$node" "$name"; done
	for i in $(seq "$count"); do
		if ((i % 2)); then cp "$tmp/make/note.txt" "$tmp/$name/stage/n$i.txt"; else cp "$tmp/make/doc.docx" "$tmp/$name/stage/d$i.docx"; fi
	done
	sleep 1
	t0=$(date +%s.%N)
	for f in "$tmp/$name/stage"/*; do mv "$f" "$tmp/$name/inbox/"; done
	wait_until 600 bash -c "[ \$(find '$tmp/$name/outbox' -name '*.report.json' | wc -l) -ge $count ]" || true
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')
	n=$(find "$tmp/$name/outbox" -name '*.report.json' | wc -l)
	rate=$(awk -v n="$n" -v s="$secs" 'BEGIN{printf "%.1f", n / s}')
	stop_pids "${pids_to_stop[@]:$first}" || true
}
run one gw1
one=$rate
run two gw1 gw2
two=$rate
echo "drop: $count files (text and .docx), index: $which_index, files per second:"
printf 'drop %-52s %8s\n' "one node" "$one" "two nodes on one shared inbox (claimed by rename)" "$two"
printf 'drop %-52s %8s\n' "two nodes over one" "$(fmt_ratio "$two" "$one")"
record drop.one_node_per_s "$one" files/s
record drop.two_nodes_per_s "$two" files/s
record drop.two_over_one "$(fmt_ratio "$two" "$one")"
