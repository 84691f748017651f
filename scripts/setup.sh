#!/bin/sh
# Install what is missing (Debian 12, as root), build smtptls, and run it on a
# bundled capture. Safe to run again.
set -eu
cd "$(dirname "$0")/.."
PKGS="build-essential pkg-config meson ninja-build libpcap-dev libndpi-dev libcmocka-dev
      libssl-dev zlib1g-dev liblzma-dev libzstd-dev libjansson-dev python3 tcpdump tshark clang
      libclang-rt-14-dev xz-utils zstd bzip2
      iproute2 curl tcpreplay prometheus-node-exporter prometheus mandoc systemd logrotate
      debhelper dpkg-dev fakeroot lintian chromium"
# Services that the test packages would start (node_exporter on :9100,
# Prometheus on :9090): the tests run their own in network namespaces.
SERVICES="prometheus-node-exporter prometheus"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Nothing installed here may start: a policy-rc.d of our own for the
    # install (when none is there), and the services it would have started
    # disabled, so that they do not start at boot either.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
    fi
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    for s in $SERVICES; do
        case " $missing " in
        *" $s "*) command -v systemctl >/dev/null &&
            systemctl disable --now "$s.service" >/dev/null 2>&1 || true ;;
        esac
    done
fi
[ -d build ] || meson setup build
ninja -C build
./build/smtptls -r pcaps/mixed.pcap
