#!/bin/sh
# Live capture in network namespaces made for the test: a client namespace and
# a server namespace joined by a veth pair. smtptls captures on the client's
# veth as root with -Z nobody; the test checks it no longer runs as root,
# that an SMTP session crossing the pair is reported after SIGTERM, and that
# an unknown interface is refused. Skips (77) without root or iproute2.
# usage: check_live.sh SMTPTLS
set -u
SMTPTLS=$(readlink -f "$1")
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
command -v ip >/dev/null || { echo "skip: needs iproute2"; exit 77; }
PY=$(command -v python3)
A=smtptls-test-a-$$
B=smtptls-test-b-$$
WORK=$(mktemp -d)
fail=0
cleanup() {
    [ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null
    [ -n "${CAP:-}" ] && kill "$CAP" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$A" && ip netns add "$B" || { echo "skip: cannot create namespaces"; exit 77; }
ip link add vtest0 netns "$A" type veth peer name vtest1 netns "$B" || exit 1
ip -n "$A" addr add 10.77.0.1/24 dev vtest0
ip -n "$B" addr add 10.77.0.2/24 dev vtest1
ip -n "$A" link set vtest0 up
ip -n "$B" link set vtest1 up
ip -n "$A" link set lo up
ip -n "$B" link set lo up

# A small SMTP server: enough dialogue for a plaintext session with a leak.
cat > "$WORK/server.py" <<'EOF'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", 25))
s.listen(1)
open(__import__("sys").argv[1], "w").close()
c, _ = s.accept()
f = c.makefile("rb")
c.sendall(b"220 mx.test ESMTP\r\n")
in_data = False
for line in f:
    if in_data:
        if line in (b".\r\n", b".\n"):
            in_data = False
            c.sendall(b"250 queued\r\n")
        continue
    verb = line[:4].upper()
    if verb == b"EHLO":
        c.sendall(b"250-mx.test\r\n250 PIPELINING\r\n")
    elif verb == b"DATA":
        in_data = True
        c.sendall(b"354 go on\r\n")
    elif verb == b"QUIT":
        c.sendall(b"221 bye\r\n")
        break
    else:
        c.sendall(b"250 ok\r\n")
c.close()
EOF
ip netns exec "$B" "$PY" "$WORK/server.py" "$WORK/ready" &
SRV=$!
for _ in $(seq 50); do [ -e "$WORK/ready" ] && break; sleep 0.1; done

ip netns exec "$A" "$SMTPTLS" -i vtest0 -Z nobody --json > "$WORK/report.json" 2> "$WORK/err" &
CAP=$!
sleep 1
uid=$(awk '/^Uid:/ {print $2}' "/proc/$CAP/status" 2>/dev/null)
if [ "$uid" = 65534 ]; then
    echo "ok   capturing as nobody (uid $uid) after opening the interface"
else
    echo "FAIL smtptls runs as uid '$uid', not nobody"; fail=1
fi

ip netns exec "$A" "$PY" - <<'EOF'
import smtplib
s = smtplib.SMTP("10.77.0.2", 25, local_hostname="client.test", timeout=10)
s.sendmail("a@client.test", ["b@mx.test"], "Subject: live\r\n\r\nhello\r\n")
s.quit()
EOF
sleep 1
kill -TERM "$CAP"
wait "$CAP"
status=$?
CAP=
if [ "$status" = 0 ] && "$PY" - "$WORK/report.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["sessions"]["total"] == 1 and d["sessions"]["plaintext"] == 1 and \
     d["leaks"]["envelope"] == 1 and d["capture"]["kernel_drops"] is not None
sys.exit(0 if ok else 1)
EOF
then
    echo "ok   SIGTERM ends the capture; the session is reported"
else
    echo "FAIL live report (exit $status):"; cat "$WORK/report.json" "$WORK/err"; fail=1
fi

out=$(ip netns exec "$A" "$SMTPTLS" -i no-such-if0 2>&1)
if [ $? = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]; then
    echo "ok   unknown interface: $out"
else
    echo "FAIL unknown interface: $out"; fail=1
fi
exit $fail
