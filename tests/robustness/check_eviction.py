#!/usr/bin/env python3
"""Eviction must not count a connection twice (issue 13): a flow evicted
while open and seen again is the rest of one session, not a second one, and
the encrypted share must never grow because of it.

The capture is many copies of a real one played at once: pcaps/mixed.pcap
with each copy's addresses moved to their own network and its clock started
a few milliseconds after the previous copy's, so that far more connections
are open together than a small --max-flows holds. The run with room for
every flow is the truth; runs under small caps must report the same number
of sessions, never more encrypted ones, and count the resumed pieces.

usage: check_eviction.py SMTPTLS PCAPS_DIR
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "metamorphic"))
import pcapmix  # noqa: E402

COPIES = 12


def moved(frame, linktype, copy):
    """The frame with its IP addresses moved to the copy's own network."""
    l3 = pcapmix.l3_offset(linktype, frame)
    if l3 is None or l3 >= len(frame):
        return frame
    b = bytearray(frame)
    ver = b[l3] >> 4
    if ver == 4 and len(b) >= l3 + 20:
        b[l3 + 13] = b[l3 + 17] = 100 + copy  # 127.100+copy.x.y
    elif ver == 6 and len(b) >= l3 + 40:
        b[l3 + 8 + 2] = b[l3 + 24 + 2] = 100 + copy
    return bytes(b)


def concurrent_capture(src, dst):
    endian, header, linktype, packets = pcapmix.read_pcap(src)
    nano = header[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    unit = 1_000_000_000 if nano else 1_000_000
    t0 = packets[0][0] * unit + packets[0][1]
    out = []
    for copy in range(COPIES):
        shift = copy * unit // 200  # 5 ms apart
        for sec, frac, frame, wirelen in packets:
            t = sec * unit + frac - t0 + shift + t0
            out.append((t, copy, [t // unit, t % unit, moved(frame, linktype, copy), wirelen]))
    out.sort(key=lambda p: (p[0], p[1]))
    pcapmix.write_pcap(dst, endian, header, [p[2] for p in out])


def summary(smtptls, pcap, *args):
    proc = subprocess.run([smtptls, "-r", pcap, "--json"] + list(args), capture_output=True)
    if proc.returncode != 0:
        sys.exit("smtptls %s: exit %d: %s" % (" ".join(args), proc.returncode, proc.stderr.decode()))
    return json.loads(proc.stdout)


def main():
    smtptls, pcaps = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "concurrent.pcap")
        concurrent_capture(os.path.join(pcaps, "mixed.pcap"), cap)
        truth = summary(smtptls, cap)
        total, encrypted = truth["sessions"]["total"], truth["encrypted"]
        if truth["capture"]["flows_evicted"] != 0:
            failures.append("the reference run evicted flows")
        print("truth: %d sessions, %d encrypted" % (total, encrypted))
        for cap_flows in (16, 24, 48):
            s = summary(smtptls, cap, "--max-flows", str(cap_flows))
            c = s["capture"]
            print("--max-flows %d: %d sessions, %d encrypted, %d evicted, %d resumed" %
                  (cap_flows, s["sessions"]["total"], s["encrypted"], c["flows_evicted"],
                   c.get("flows_resumed_after_eviction", 0)))
            if s["sessions"]["total"] != total:
                failures.append("--max-flows %d: %d sessions, want %d (each connection once)" %
                                (cap_flows, s["sessions"]["total"], total))
            if s["encrypted"] > encrypted:
                failures.append("--max-flows %d: %d encrypted, more than the %d in truth" %
                                (cap_flows, s["encrypted"], encrypted))
            if cap_flows == 16 and (c["flows_evicted"] == 0 or c.get("flows_resumed_after_eviction", 0) == 0):
                failures.append("--max-flows 16: no eviction or no resumed flow: the test tests nothing")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
