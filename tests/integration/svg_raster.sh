#!/usr/bin/env bash
# SVG through the running daemon (dropd, sandboxed workers): a logo comes
# out as a PNG of its size with nothing of the markup; an SVG in a zip
# comes out as a PNG member; SVGs that refer to a local file, a URL on a
# local HTTP server, a style sheet or an XInclude are blocked with the
# reason, and the server, which does log a request made to it, sees none.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/gateway.bash"

inbox=$gw/inbox outbox=$gw/outbox www=$tmp/www
mkdir -p "$inbox" "$www"
chmod 777 "$gw" "$inbox"
chmod 755 "$tmp" "$www"
printf '%s' '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect id="r" width="10" height="10" fill="red"/></svg>' >"$www/red.svg"
printf 'SECRET-FROM-DISK' >"$www/secret.txt"
chmod 644 "$www"/*

# the local server: a request it gets is a line in its log
http_port=$(free_port)
$py -m http.server "$http_port" --bind 127.0.0.1 --directory "$www" 2>"$tmp/http.log" &
pids_to_stop+=("$!")
wait_until 10 listening "$http_port" || { ko "the local HTTP server starts"; finish; exit 1; }
curl -s -o /dev/null "http://127.0.0.1:$http_port/red.svg"
check "the local server logs a request made to it" wait_until 5 grep -q 'GET /red.svg' "$tmp/http.log"
hits_before=$(grep -c 'GET' "$tmp/http.log")

start_mugaid -o relay.next_hop=dir:"$gw/mail" -o workers.count=1 -o drop.settle=1s \
	-o drop.rescan=2s || { ko "mugaid starts"; finish; exit 1; }

exists() { [[ -e $1 ]]; }
report_field() { $py -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
png_size() { $py -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24)
assert d[:8]==b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"; }
no_markup() { [[ -s $1 ]] && ! grep -Eaiq '<svg|<script|onload|alert\(' "$1"; }
drop() { printf '%s' "$2" >"$inbox/.$1"; mv "$inbox/.$1" "$inbox/$1"; }

# ---- an ordinary logo
drop logo.svg '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" onload="alert(1)"><script>alert(2)</script><rect width="60" height="60" fill="#f00"/><circle cx="90" cy="30" r="25" fill="#00f"/><text x="2" y="58" font-size="9">無害</text></svg>'
check "a logo comes out as logo.png" wait_until 60 exists "$outbox/logo.png.report.json"
check "a PNG of 120x60 pixels" test "$(png_size "$outbox/logo.png" 2>/dev/null)" = 120x60
check "with nothing of the markup" no_markup "$outbox/logo.png"
check "the report says sanitised" test "$(report_field "$outbox/logo.png.report.json" verdict)" = sanitised

# ---- an SVG member of a zip
$py - "$tmp/pics.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("pics/chart.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="20" height="10" fill="green"/></svg>')
PY
cp "$tmp/pics.zip" "$inbox/.pics.zip" && mv "$inbox/.pics.zip" "$inbox/pics.zip"
check "a zip with an SVG comes out" wait_until 60 exists "$outbox/pics.zip.report.json"
check "its SVG member is a PNG" bash -c 'unzip -l "$1" | grep -q "pics/chart.png" && ! unzip -l "$1" | grep -q "\.svg"' _ "$outbox/pics.zip"

# ---- references outside the document: blocked, nothing fetched
i=0
for body in \
	"<image width=\"10\" height=\"10\" href=\"http://127.0.0.1:$http_port/red.svg\"/>" \
	"<image width=\"10\" height=\"10\" href=\"file://$www/red.svg\"/>" \
	"<use href=\"http://127.0.0.1:$http_port/red.svg#r\"/>" \
	"<style>@import url(http://127.0.0.1:$http_port/a.css);</style>" \
	"<rect width=\"10\" height=\"10\" fill=\"url(http://127.0.0.1:$http_port/g.svg#g)\"/>" \
	"<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"http://127.0.0.1:$http_port/red.svg\"/>" \
	"<text y=\"9\"><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" parse=\"text\" href=\"file://$www/secret.txt\"/></text>"; do
	i=$((i + 1))
	drop "ref$i.svg" "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">$body</svg>"
	check "reference $i: a report" wait_until 60 exists "$outbox/ref$i.svg.report.json"
	check "reference $i: blocked, no artefact" bash -c '[[ $(grep -o "\"verdict\": *\"[a-z]*\"" "$1") == *blocked* ]] && ! ls "$2" | grep -q "^ref'$i'\.\(png\|svg\)$"' _ "$outbox/ref$i.svg.report.json" "$outbox"
	check "reference $i: the reason says outside" grep -q "outside itself" "$outbox/ref$i.svg.report.json"
done
check "the local server saw no request from mugai" test "$(grep -c 'GET' "$tmp/http.log")" = "$hits_before"
check "no secret from disk in any output" bash -c '! grep -rqa SECRET-FROM-DISK "$1"' _ "$outbox"

stop_mugaid
finish
