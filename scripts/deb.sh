#!/usr/bin/env bash
# make deb: the Debian package, built from a copy of the tree (the tracked
# files and the new ones) so that dpkg-buildpackage writes its results
# under OUT and never beside the source tree; then lintian, which must
# report no error.
#   scripts/deb.sh [OUT]   (default build/deb)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build/deb}
version=$(sed -n '1s/^mugai (\([^)]*\)).*/\1/p' "$src/debian/changelog")
tree=$out/mugai-$version

rm -rf "$tree" "$out"/mugai_*
mkdir -p "$tree"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	grep -zv '^build' | tar --null -T - -cf -) | tar -C "$tree" -xf -
(cd "$tree" && dpkg-buildpackage -us -uc -b -j"$(nproc)")
deb=$(ls "$out"/mugai_"$version"_*.deb)
echo "built $deb"
# errors fail the build; warnings are shown
lintian --fail-on error --info "$deb"
