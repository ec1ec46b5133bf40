#!/usr/bin/env bash
# The programs are linked with full RELRO (cmake/Link.cmake): every symbol
# bound when the program starts and the GOT read-only after.  Besides the
# hardening, a job forked from a zygote then never runs the lazy resolver,
# which searched the hash tables of some 110 libraries in every job.
set -uo pipefail
source "$(dirname "$0")/lib/gateway.bash"

for prog in "$mugaid" "$mugai"; do
	name=$(basename "$prog")
	dyn=$(readelf -d "$prog" 2>&1)
	grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' <<<"$dyn" &&
		ok "$name binds every symbol at start" || ko "$name binds lazily: $(grep FLAGS <<<"$dyn")"
	readelf -lW "$prog" | grep -q GNU_RELRO && ok "$name has a RELRO segment" ||
		ko "$name has no RELRO segment"
	grep -q 'Flags:.*PIE' <<<"$dyn" && ok "$name is position independent" ||
		ko "$name is not PIE"
done
finish
