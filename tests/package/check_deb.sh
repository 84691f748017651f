#!/bin/sh
# The Debian package, built once from a copy of the source tree with
# dpkg-buildpackage -us -uc -b (the unit suite runs inside, as debian/rules
# says), checked by lintian (no error), installed with dpkg -i, its smtptls
# run over pcaps/mixed.pcap against the golden outputs, its files, user,
# logrotate snippet and unit looked at, then purged: nothing may remain.
# Skips (77) without root, dpkg-buildpackage or debhelper, or when a smtptls
# package is installed already (it is not ours to replace).
# usage: check_deb.sh SOURCE_ROOT RUN_GOLDEN
set -u
SRC=$(readlink -f "$1")
GOLDEN=$(readlink -f "$2")
[ "$(id -u)" = 0 ] || { echo "skip: needs root (dpkg -i)"; exit 77; }
command -v dpkg-buildpackage >/dev/null || { echo "skip: needs dpkg-dev"; exit 77; }
command -v dh >/dev/null || { echo "skip: needs debhelper"; exit 77; }
if dpkg-query -W -f='${Status}' smtptls 2>/dev/null | grep -q "ok installed"; then
    echo "skip: a smtptls package is installed already"
    exit 77
fi
WORK=$(mktemp -d)
installed=0
fail=0
cleanup() {
    [ "$installed" = 1 ] && dpkg --purge smtptls >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# The tree as committed plus what is not ignored, without build directories.
mkdir "$WORK/src"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$SRC" ls-files -co --exclude-standard | (cd "$SRC" && tar -cf - -T -) |
        tar -xf - -C "$WORK/src"
else
    tar -C "$SRC" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -xf - -C "$WORK/src"
fi
start=$(date +%s)
if (cd "$WORK/src" && DEB_BUILD_OPTIONS="parallel=2" dpkg-buildpackage -us -uc -b) \
    > "$WORK/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b in $(($(date +%s) - start)) s ($(grep -E '^Ok: ' "$WORK/build.log" |
        tr -s ' ') unit tests inside)"
else
    bad "dpkg-buildpackage:"; tail -40 "$WORK/build.log"; exit 1
fi
DEB=$(ls "$WORK"/smtptls_*_*.deb)

if command -v lintian >/dev/null; then
    lintian "$WORK"/smtptls_*.changes > "$WORK/lintian.log" 2>&1
    sed 's/^/     /' "$WORK/lintian.log"
    if grep -q '^E: ' "$WORK/lintian.log"; then
        bad "lintian reports errors"
    else
        ok "lintian: no error ($(grep -c '^W: ' "$WORK/lintian.log") warnings)"
    fi
else
    echo "skip lintian: not installed"
fi

if dpkg -i "$DEB" > "$WORK/install.log" 2>&1; then
    installed=1
    ok "dpkg -i $(basename "$DEB")"
else
    bad "dpkg -i:"; cat "$WORK/install.log"; exit 1
fi
missing=""
for f in /usr/bin/smtptls /usr/share/man/man1/smtptls.1.gz /lib/systemd/system/smtptls@.service \
    /etc/default/smtptls /etc/logrotate.d/smtptls /usr/lib/sysusers.d/smtptls.conf; do
    [ -e "$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "installed: binary, man page, unit, defaults, logrotate, sysusers" ||
    bad "not installed:$missing"
uid=$(id -u smtptls 2>/dev/null)
shell=$(getent passwd smtptls | cut -d: -f7)
if [ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ]; then
    ok "system user smtptls (uid $uid, $shell)"
else
    bad "system user smtptls: uid '$uid' shell '$shell'"
fi

if out=$(python3 "$GOLDEN" /usr/bin/smtptls "$SRC/pcaps/mixed.pcap" 2>&1); then
    ok "the installed smtptls -r pcaps/mixed.pcap: text, summary and records equal the golden"
else
    bad "installed smtptls against the golden:"; echo "$out" | head -40
fi

if command -v logrotate >/dev/null; then
    mkdir -p /var/log/smtptls
    echo '{}' > /var/log/smtptls/eth1.sessions.jsonl
    chown -R smtptls:smtptls /var/log/smtptls
    if out=$(logrotate -d /etc/logrotate.d/smtptls 2>&1) &&
        printf '%s\n' "$out" | grep -q "eth1.sessions.jsonl" &&
        ! printf '%s\n' "$out" | grep -qi "error"; then
        ok "logrotate -d reads the snippet"
    else
        bad "logrotate -d: $out"
    fi
else
    echo "skip logrotate -d: logrotate not installed"
fi
if command -v systemd-analyze >/dev/null; then
    if out=$(systemd-analyze verify smtptls@eth1.service 2>&1); then
        ok "systemd-analyze verify smtptls@eth1.service (installed)"
    else
        bad "systemd-analyze verify (installed): $out"
    fi
fi

mkdir -p /var/lib/smtptls /var/log/smtptls
touch /var/lib/smtptls/eth1.prom /var/log/smtptls/eth1.stats.jsonl
if dpkg --purge smtptls > "$WORK/purge.log" 2>&1; then
    installed=0
    left=""
    for f in /usr/bin/smtptls /etc/default/smtptls /etc/logrotate.d/smtptls \
        /lib/systemd/system/smtptls@.service /var/log/smtptls /var/lib/smtptls; do
        [ -e "$f" ] && left="$left $f"
    done
    getent passwd smtptls >/dev/null && left="$left user:smtptls"
    getent group smtptls >/dev/null && left="$left group:smtptls"
    dpkg-query -W smtptls >/dev/null 2>&1 && left="$left dpkg-status"
    [ -z "$left" ] && ok "dpkg --purge leaves nothing (files, directories, user, group)" ||
        bad "left after purge:$left"
else
    bad "dpkg --purge:"; cat "$WORK/purge.log"
fi
exit $fail
