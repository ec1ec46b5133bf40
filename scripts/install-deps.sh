#!/usr/bin/env bash
# Installs the Debian packages mugai needs, and only those that are missing.
#   install-deps.sh build   what `make run` needs: compilers and libraries
#   install-deps.sh test    plus the real peers the tests drive
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config clang llvm libclang-rt-14-dev
  libglib2.0-dev libgmime-3.0-dev libpoppler-glib-dev libcairo2-dev
  libarchive-dev libmagic-dev libxml2-dev libjansson-dev libinih-dev
  libsqlite3-dev libpq-dev libmicrohttpd-dev libseccomp-dev libsodium-dev libssl-dev
  libpng-dev libjpeg62-turbo-dev libgif-dev libtiff-dev libwebp-dev zlib1g-dev
  libgsf-1-dev
  check
)
test_pkgs=(
  python3 python3-html2text python3-selenium chromium chromium-driver
  poppler-utils qpdf img2pdf
  libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
  postfix swaks clamav-daemon postgresql
  zip unzip p7zip-full lhasa file sqlite3 curl procps psmisc iproute2 strace
  python3-msoffcrypto-tool
  fonts-ipafont-gothic
)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

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
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
