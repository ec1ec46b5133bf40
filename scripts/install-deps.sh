#!/usr/bin/env bash
# Installs the Debian packages mugai needs, and only those that are missing.
#   install-deps.sh build   what `make run` needs: compilers, libraries and
#                           what policy pdf runs (LibreOffice, bubblewrap)
#   install-deps.sh test    plus the real peers the tests drive
#   install-deps.sh bench   plus the content filters `make bench` compares
#                           mugai with (run privately, never as services)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config clang llvm libclang-rt-14-dev
  libglib2.0-dev libgmime-3.0-dev libpoppler-glib-dev libcairo2-dev
  libarchive-dev libmagic-dev libxml2-dev libjansson-dev libinih-dev
  libsqlite3-dev libpq-dev libmicrohttpd-dev libseccomp-dev libsodium-dev libssl-dev
  libpng-dev libjpeg62-turbo-dev libgif-dev libtiff-dev libwebp-dev zlib1g-dev libdeflate-dev
  libgsf-1-dev libytnef0-dev librsvg2-dev
  libtesseract-dev tesseract-ocr-jpn tesseract-ocr-eng
  check
)
# What policy pdf runs (legacy Office, RTF, StarOffice to PDF): LibreOffice
# without its GUI (Writer, Calc, Impress are the smallest set that opens
# doc/xls/ppt/rtf/sxw/sxc/sxi), bubblewrap around it, and Japanese fonts so
# that Japanese documents keep their characters.  Without them mugai turns
# those documents into text instead.
run_pkgs=(
  bubblewrap libreoffice-core-nogui
  libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
  fonts-ipafont-gothic
)
test_pkgs=(
  python3 python3-html2text python3-selenium python3-yaml chromium chromium-driver
  poppler-utils qpdf img2pdf
  postfix swaks clamav-daemon postgresql
  zip unzip p7zip-full lhasa file sqlite3 curl procps psmisc iproute2 strace faketime
  python3-msoffcrypto-tool
  debhelper lintian fakeroot dpkg-dev
)
# MIMEDefang (milter) and amavisd-new (content_filter): the benchmark's
# peers, started by bench/peers.bash in private directories and ports;
# the tesseract command for the pdftoppm + tesseract pipeline it compares
bench_pkgs=(mimedefang amavisd-new tesseract-ocr)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
case "${1:-build}" in
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Postfix is a test peer only; it must not try to configure itself as the host MTA.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -q
# Nothing installed here may start as a service (the bench peers would
# otherwise listen as the host's content filters): a policy-rc.d refusing
# every start, for the time of the install, unless the host has its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# and none of the bench peers starts at the next boot either
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable amavis mimedefang >/dev/null 2>&1 || true
fi
