#!/bin/sh
# Install what is missing (Debian 12, as root), build smtptls, and run it on a
# bundled capture. Safe to run again.
set -eu
cd "$(dirname "$0")/.."
PKGS="build-essential pkg-config meson ninja-build libpcap-dev libndpi-dev libcmocka-dev
      libssl-dev zlib1g-dev liblzma-dev libzstd-dev python3 tcpdump tshark clang
      libclang-rt-14-dev xz-utils zstd bzip2"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ -d build ] || meson setup build
ninja -C build
./build/smtptls -r pcaps/mixed.pcap
