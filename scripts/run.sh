#!/usr/bin/env bash
# `make run`: sanitises the sample mails shipped in the repository and shows
# where the results and their reports are.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=var/samples
rm -rf "$out"
mkdir -p "$out"
echo "mugai: sanitising the sample mails in samples/ into $out/"
"$build/gateway/mugai" sanitize samples "$out" || true
echo
echo "sanitised mails and their reports (NAME.report.json):"
ls -1 "$out" | sed 's/^/  /'
