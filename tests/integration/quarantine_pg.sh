#!/usr/bin/env bash
# The quarantine on PostgreSQL: starts a throwaway server (scripts/pg-test.sh),
# runs the quarantine's Check program with MUGAI_TEST_PG_URI set (every test
# then runs on SQLite and on PostgreSQL), then the review CLI script on the
# same database.
set -uo pipefail

build=${MUGAI_BUILD:?MUGAI_BUILD is the build directory}
source_dir=${MUGAI_SOURCE:?MUGAI_SOURCE is the source directory}
pg=$source_dir/scripts/pg-test.sh

uri=$(bash "$pg" start)
if [[ -z $uri ]]; then
	echo "FAIL cannot start a throwaway PostgreSQL"
	echo "0 passed, 1 failed"
	exit 1
fi
trap 'bash "$pg" stop "$uri"' EXIT
export MUGAI_TEST_PG_URI=$uri

passed=0 failed=0
run() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
	fi
}

for check in check_quarantine check_release check_dashboard check_unlock_token check_blob_pg check_node; do
	[[ -x $build/tests/$check ]] || continue
	run "$check on SQLite and PostgreSQL" env CK_DEFAULT_TIMEOUT=120 "$build/tests/$check"
done
run "review CLI on PostgreSQL" bash "$source_dir/tests/integration/quarantine_cli.sh"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
