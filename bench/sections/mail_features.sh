#!/usr/bin/env bash
# What issue 8's mail features (links, HTML kept disarmed, TNEF opened,
# attachment text, reproducible output...) cost in their default settings:
# the mail core of this tree against the same core built from the commit
# before the first of them (BEFORE below, built once into
# bench/out/before-*), on the same generated corpus, taking turns three
# times, the best of each counting.  Goal: no more than 10 % fewer
# messages/s.  Beside it, for information, the figure with policy
# html = safe and links = defang (off by default).
# Env: BUILD, BENCH_OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib.sh"
BEFORE=92edfadefcf97224a1b00a4010da385fbf5fdd75 # the parent of "links: policy.links = ..."
corpus=$BENCH_OUT/mail8-corpus
count=${MAIL_BENCH_COUNT:-1000}
old=$BENCH_OUT/before-${BEFORE:0:12}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
best() { awk -F'per_s=' '{ split($2, a, " "); if (a[1] + 0 >= best) { best = a[1] + 0; line = $0 } } END { print line }'; }

# the core before issue 8, built once
if [[ ! -x $old/build/bench/bench_mail ]]; then
	rm -rf "$old"
	mkdir -p "$old/src"
	if git -C "$here/.." archive "$BEFORE" 2>/dev/null | tar -x -C "$old/src" &&
		cmake -S "$old/src" -B "$old/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$old/build.log" 2>&1 &&
		cmake --build "$old/build" -j "$(nproc)" --target bench_mail >>"$old/build.log" 2>&1; then
		echo "built the mail core of ${BEFORE:0:12} (before issue 8) in $old"
	else
		echo "could not build the mail core of ${BEFORE:0:12} (a git checkout is needed): see $old/build.log"
	fi
fi

rm -rf "$corpus"
/usr/bin/python3 "$here/gen_mail_corpus.py" "$corpus" "$count"
: >"$corpus/now.runs"; : >"$corpus/before.runs"; : >"$corpus/safe.runs"
for turn in 1 2 3; do
	"$BUILD/bench/bench_mail" mail "$corpus/mail" 2 >>"$corpus/now.runs"
	[[ -x $old/build/bench/bench_mail ]] && "$old/build/bench/bench_mail" mail "$corpus/mail" 2 >>"$corpus/before.runs"
	MUGAI_BENCH_POLICY=html=safe,links=defang "$BUILD/bench/bench_mail" mail "$corpus/mail" 2 >>"$corpus/safe.runs"
done
now=$(best <"$corpus/now.runs" | field per_s)
before=$(best <"$corpus/before.runs" | field per_s)
safe=$(best <"$corpus/safe.runs" | field per_s)

echo "mail corpus: $count messages, 2 rounds, best of 3 turns"
printf '%-56s %12s\n' "" "messages/s"
printf '%-56s %12s\n' "mugai mail, issue 8's features in their defaults" "$now"
printf '%-56s %12s\n' "mugai mail before issue 8 (${BEFORE:0:12})" "${before:--}"
printf '%-56s %12s\n' "ratio now / before" "$(fmt_ratio "$now" "$before")"
printf '%-56s %12s\n' "mugai mail with html = safe, links = defang" "$safe"
printf '%-56s %12s\n' "ratio safe / default (information)" "$(fmt_ratio "$safe" "$now")"

record mail8.default_per_s "$now" msg/s
record mail8.before_per_s "$before" msg/s
record mail8.safe_defang_per_s "$safe" msg/s
goal mail8.default_over_before "$(fmt_ratio "$now" "$before")" ">=" 0.9 \
	"mail with issue 8's defaults / before issue 8"
