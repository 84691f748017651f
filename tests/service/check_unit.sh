#!/bin/sh
# The systemd unit as meson configured it: systemd-analyze verify passes on an
# instance (smtptls@eth1.service, the man page it names found), its hardening
# is there, and what it grants is enough: in a network namespace made for the
# test, smtptls runs as nobody with only CAP_NET_RAW (ambient, the bounding
# set cut to it, no new privileges: what the unit gives the smtptls user),
# gives every capability up once the interface is open, captures a session on
# the loopback and writes its --stats line and --metrics file; without the capability it cannot
# open the interface.
# Parts skip without systemd-analyze, root, iproute2 or setpriv; all skipped: 77.
# usage: check_unit.sh SMTPTLS UNIT MANPAGE
set -u
SMTPTLS=$(readlink -f "$1")
UNIT=$(readlink -f "$2")
MANPAGE=$(readlink -f "$3")
WORK=$(mktemp -d)
NS=smtptls-unit-$$
fail=0
ran=0
cleanup() {
    [ -n "${CAP:-}" ] && kill "$CAP" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
ok() { echo "ok   $*"; ran=1; }
bad() { echo "FAIL $*"; fail=1; ran=1; }

for key in User=smtptls AmbientCapabilities=CAP_NET_RAW CapabilityBoundingSet=CAP_NET_RAW \
    NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes LogsDirectory=smtptls \
    StateDirectory=smtptls; do
    grep -q "^$key\$" "$UNIT" || bad "the unit lacks $key"
done
grep -q '^ExecStart=.*/smtptls -i %I' "$UNIT" && grep -q '^EnvironmentFile=-.*/default/smtptls$' "$UNIT" &&
    ok "the unit has its user, capability, hardening, directories and defaults file" ||
    bad "the unit's ExecStart or EnvironmentFile"

if command -v systemd-analyze >/dev/null; then
    mkdir -p "$WORK/units" "$WORK/man/man1"
    sed "s|^ExecStart=[^ ]*/smtptls |ExecStart=$SMTPTLS |" "$UNIT" > "$WORK/units/smtptls@.service"
    ln -s smtptls@.service "$WORK/units/smtptls@eth1.service"
    cp "$MANPAGE" "$WORK/man/man1/"
    if out=$(MANPATH="$WORK/man:" systemd-analyze verify "$WORK/units/smtptls@eth1.service" 2>&1); then
        ok "systemd-analyze verify smtptls@eth1.service"
    else
        bad "systemd-analyze verify: $out"
    fi
else
    echo "skip systemd-analyze verify: systemd is not installed"
fi

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v setpriv >/dev/null; then
    echo "skip the capture with the unit's privileges: needs root, iproute2 and setpriv"
elif ! ip netns add "$NS"; then
    echo "skip the capture with the unit's privileges: cannot create a network namespace"
else
    ip -n "$NS" link set lo up
    chmod 755 "$WORK"
    mkdir "$WORK/log" && chown 65534:65534 "$WORK/log"
    ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
        --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw --bounding-set=-all,+net_raw \
        --no-new-privs "$SMTPTLS" -i lo --json --stats "$WORK/log/lo.stats.jsonl" \
        --metrics "$WORK/log/lo.prom" \
        > "$WORK/report.json" 2> "$WORK/err" &
    CAP=$!
    sleep 1
    caps=$(awk '/^Cap(Prm|Eff|Amb):/ {printf "%s", $2}' "/proc/$CAP/status" 2>/dev/null)
    uid=$(awk '/^Uid:/ {print $2}' "/proc/$CAP/status" 2>/dev/null)
    ip netns exec "$NS" python3 - <<'PY'
import socket, threading
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 25))
srv.listen(1)
def serve():
    c, _ = srv.accept()
    f = c.makefile("rb")
    c.sendall(b"220 mx.test ESMTP\r\n")
    for line in f:
        c.sendall(b"221 bye\r\n" if line.upper().startswith(b"QUIT") else b"250 ok\r\n")
        if line.upper().startswith(b"QUIT"):
            break
    c.close()
t = threading.Thread(target=serve)
t.start()
import smtplib
s = smtplib.SMTP("127.0.0.1", 25, local_hostname="client.test", timeout=10)
s.ehlo()
s.mail("a@client.test")
s.quit()
t.join()
PY
    sleep 1
    kill -TERM "$CAP"
    wait "$CAP"
    status=$?
    CAP=
    if [ "$status" = 0 ] && [ "$uid" = 65534 ] && [ "$caps" = 000000000000000000000000000000000000000000000000 ] && python3 - "$WORK/report.json" "$WORK/log/lo.stats.jsonl" "$WORK/log/lo.prom" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
last = [json.loads(l) for l in open(sys.argv[2])][-1]
prom = open(sys.argv[3]).read()
sys.exit(0 if d["sessions"]["plaintext"] == 1 and last["final"]
         and last["total"]["sessions"]["plaintext"] == 1
         and last["total"]["kernel_drops"] == d["capture"]["kernel_drops"]
         and 'smtptls_sessions_total{interface="lo",mode="plaintext"} 1\n' in prom
         and 'smtptls_kernel_drops_total{interface="lo"} ' in prom else 1)
PY
    then
        ok "as nobody with only CAP_NET_RAW: capabilities all given up once the interface is open, the session captured, the stats line and the metrics (interface label, kernel drops) written"
    else
        bad "capture with the unit's privileges: exit $status, uid $uid, CapPrm+Eff+Amb $caps: $(cat "$WORK/err")"
    fi
    out=$(ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
        --inh-caps=-all --bounding-set=-all --no-new-privs "$SMTPTLS" -i lo 2>&1)
    st=$?
    [ "$st" = 2 ] && ok "without CAP_NET_RAW the interface cannot be opened (status 2): $out" ||
        bad "without CAP_NET_RAW: status $st: $out"
fi
[ "$ran" = 1 ] || exit 77
exit $fail
