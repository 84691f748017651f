#!/usr/bin/env python3
"""Link, IP and TCP edge cases of the public captures (the inventory table in
../shared/pcaps/public/EXPECTED.md): every capture is read without a decode
error where tshark decodes it, and smtptls tracks as many TCP flows as tshark
counts TCP streams, except where listed below with the reason.

usage: check_links.py SMTPTLS PUBLIC_DIR
"""
import json
import os
import re
import subprocess
import sys

# Decode errors that are right: the packet is malformed, tshark says so too.
ALLOWED_ERRORS = {
    # its one frame was captured shorter than an Ethernet header (tshark: "Packet
    # size limited during capture")
    "zeek/trunc/trunc-hdr.pcap": {"link-truncated"},
    "zeek/trunc/ipv4-internally-truncated-header.pcap": {"ip-truncated"},
    "ndpi/ip_fragmented_garbage.pcap": {"tcp-bad-data-offset", "tcp-bad-flags"},
    "ndpi/reasm_crash_anon.pcapng": {"tcp-bad-data-offset", "tcp-bad-flags"},
}
# Where a TCP flow and a tshark TCP stream are not the same thing.
FLOWS = {
    # tshark also counts the TCP header quoted inside an ICMPv6 error
    "ndpi/6in4tunnel.pcap": 5,
    # tshark counts packets with a bogus TCP header as streams; smtptls drops them
    "ndpi/ip_fragmented_garbage.pcap": 1,
    # two SYNs with other sequence numbers on one four-tuple: tshark opens a new
    # stream, smtptls keeps one connection until it closes
    "arkime/tcp_handshake_synthetic.pcap": 14,
    # the connection closes (RST), then packets on the same four-tuple go on
    # 30 s later: smtptls tracks a second connection, tshark one stream
    "ndpi/reasm_crash_anon.pcapng": 2,
}
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \| (\d+) \| ([^|]+) \| (\d+) \|")


def main():
    smtptls, public = sys.argv[1], sys.argv[2]
    expected = os.path.join(public, "EXPECTED.md")
    if not os.path.exists(expected):
        print("skip: %s not found" % expected)
        return 77
    rows, inside = [], False
    for line in open(expected, encoding="utf-8"):
        if line.startswith("## "):
            inside = line.startswith("## Link-layer, IP and TCP edge-case captures")
        m = ROW.match(line.strip()) if inside else None
        if m:
            rows.append((m.group(1), int(m.group(6))))
    fail = 0
    for name, streams in rows:
        # No filter: everything the capture holds reaches the decoders.
        p = subprocess.run([smtptls, "-r", os.path.join(public, name), "--json", ""],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("FAIL %s: exit %d %s" % (name, p.returncode, p.stderr.strip()))
            fail += 1
            continue
        cap = json.loads(p.stdout)["capture"]
        errors = {k for k, v in cap["decode_errors"].items() if v}
        bad = errors - ALLOWED_ERRORS.get(name, set())
        want = FLOWS.get(name, streams)
        if bad or cap["flows"] != want:
            fail += 1
            print("FAIL %s: decode errors %s, %d flows (tshark: %d TCP streams, expected %d)" %
                  (name, sorted(bad), cap["flows"], streams, want))
    print("%d link/IP/TCP captures checked, %d failed" % (len(rows), fail))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
