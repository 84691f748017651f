"""Network namespaces for the live tests: a client and a server namespace
joined by a veth pair (addresses from 10.77.0.0/16, never a real one), a
small SMTP server in the server namespace, and SMTP sessions from the client
namespace. Only what the tests of tests/robustness need; nothing outside the
namespaces made here is touched.
"""
import os
import shutil
import subprocess
import sys
import time

SERVER = r'''
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 25))
s.listen(8)
open(sys.argv[2], "w").close()
while True:
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
    f.close()
    c.close()
'''

CLIENT = r'''
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25, local_hostname="client.test", timeout=10)
s.sendmail("a@client.test", ["b@mx.test"], "Subject: live\r\n\r\nhello\r\n")
s.quit()
'''


def skip_unless_usable(need=()):
    """Exit 77 (meson's skip) with a reason when the tests cannot run here."""
    if os.geteuid() != 0:
        print("skip: needs root (network namespaces)")
        sys.exit(77)
    if not shutil.which("ip"):
        print("skip: needs iproute2 (ip netns)")
        sys.exit(77)
    for tool in need:
        if not shutil.which(tool):
            print("skip: needs %s" % tool)
            sys.exit(77)
    probe = "smtptls-probe-%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        print("skip: cannot create network namespaces")
        sys.exit(77)
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True, capture_output=True)


class Pair:
    """Namespaces a (client, 10.77.N.1 on va) and b (server, 10.77.N.2 on vb);
    with one=True both ends of the pair are in a, for tcpreplay."""

    def __init__(self, tag, one=False, mtu=None):
        self.a = "smtptls-%s-a-%d" % (tag, os.getpid())
        self.b = self.a if one else "smtptls-%s-b-%d" % (tag, os.getpid())
        self.net = 1 + os.getpid() % 250
        self.client_ip = "10.77.%d.1" % self.net
        self.server_ip = "10.77.%d.2" % self.net
        self.procs = []
        ip("netns", "add", self.a)
        if self.b != self.a:
            ip("netns", "add", self.b)
        ip("link", "add", "va", "netns", self.a, "type", "veth", "peer", "name", "vb",
           "netns", self.b)
        for ns, dev, addr in ((self.a, "va", self.client_ip), (self.b, "vb", self.server_ip)):
            ip("-n", ns, "addr", "add", addr + "/24", "dev", dev)
            if mtu:
                ip("-n", ns, "link", "set", dev, "mtu", str(mtu))
            ip("-n", ns, "link", "set", dev, "up")
            ip("-n", ns, "link", "set", "lo", "up")

    def popen(self, ns, cmd, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", ns] + cmd, **kw)
        self.procs.append(p)
        return p

    def run(self, ns, cmd, **kw):
        return subprocess.run(["ip", "netns", "exec", ns] + cmd, **kw)

    def start_server(self, workdir):
        ready = os.path.join(workdir, "server.ready")
        self.popen(self.b, [sys.executable, "-c", SERVER, self.server_ip, ready])
        for _ in range(100):
            if os.path.exists(ready):
                return
            time.sleep(0.05)
        raise RuntimeError("the SMTP server did not start")

    def session(self):
        """One plaintext SMTP session with a message (an envelope leak)."""
        self.run(self.a, [sys.executable, "-c", CLIENT, self.server_ip], check=True,
                 capture_output=True)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for ns in {self.a, self.b}:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def wait_for(pred, timeout, step=0.1):
    """Seconds until pred() held, or None after timeout."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return time.time() - t0
        time.sleep(step)
    return None
