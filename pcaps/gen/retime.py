#!/usr/bin/python3
"""Move each TCP connection of a capture to its time of day (hours.pcap).

usage: retime.py PLAN.tsv CAPTURE.pcap [--date YYYY-MM-DD]

PLAN.tsv (gen/hours.tsv) has one row per session: "HH:MM:SS<TAB>kind<TAB>
client".  The N-th TCP connection of the capture (in the order of its first
packet) is moved so that it starts at the N-th time of the plan on --date
(UTC, default 2026-03-02): every packet of the connection is shifted by the
same amount, so the connection keeps its own timing to the microsecond.
The packets are then written in time order, over CAPTURE.pcap.  Only the
timestamps in the record headers change; the number of connections must
equal the number of rows.  Standard library only (pcap, Ethernet, IPv4/IPv6,
TCP).
"""
import argparse
import calendar
import os
import struct
import sys
import time


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        endian, scale = "<", 1
    elif magic == b"\xa1\xb2\xc3\xd4":
        endian, scale = ">", 1
    elif magic == b"\x4d\x3c\xb2\xa1":
        endian, scale = "<", 1000
    elif magic == b"\xa1\xb2\x3c\x4d":
        endian, scale = ">", 1000
    else:
        sys.exit("%s: not a pcap file" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("%s: link type %d, want Ethernet (1)" % (path, linktype))
    records, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            sys.exit("%s: truncated record header at %d" % (path, off))
        sec, frac, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + caplen]
        if len(body) != caplen:
            sys.exit("%s: truncated record at %d" % (path, off))
        records.append([sec * 1000000 * scale + frac, caplen, wirelen, body])
        off += 16 + caplen
    return data[:24], endian, scale, records


def connection_key(frame):
    """The unordered pair of TCP endpoints of an Ethernet frame."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800:
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            return None
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:]
    elif ethertype == 0x86DD:
        if ip[6] != 6:
            return None
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:]
    else:
        return None
    sport, dport = struct.unpack("!HH", tcp[:4])
    return frozenset(((src, sport), (dst, dport)))


def load_plan(path):
    starts = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        at = line.split("\t")[0]
        h, m, s = (int(x) for x in at.split(":"))
        starts.append((h * 3600 + m * 60 + s) * 1000000)
    return starts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("plan")
    ap.add_argument("pcap")
    ap.add_argument("--date", default="2026-03-02")
    args = ap.parse_args()
    day = calendar.timegm(time.strptime(args.date, "%Y-%m-%d")) * 1000000
    starts = [day + s for s in load_plan(args.plan)]
    header, endian, scale, records = read_pcap(args.pcap)

    index, first = {}, []
    for rec in records:
        key = connection_key(rec[3])
        if key is None:
            sys.exit("%s: a packet that is not TCP over IP" % args.pcap)
        if key not in index:
            index[key] = len(first)
            first.append(rec[0] // scale)
        rec.append(index[key])
    if len(first) != len(starts):
        sys.exit("%s: %d TCP connections, the plan has %d sessions"
                 % (args.pcap, len(first), len(starts)))
    for rec in records:
        k = rec[4]
        rec[0] = starts[k] + (rec[0] // scale - first[k])
    records.sort(key=lambda r: r[0])  # stable: a connection keeps its order

    tmp = args.pcap + ".retime"
    with open(tmp, "wb") as f:
        # Microsecond timestamps whatever the input had.
        f.write(struct.pack(endian + "I", 0xA1B2C3D4) + header[4:])
        for ts, caplen, wirelen, body, _ in records:
            f.write(struct.pack(endian + "IIII", ts // 1000000, ts % 1000000, caplen, wirelen))
            f.write(body)
    os.replace(tmp, args.pcap)
    print("retime.py: %d connections, %d packets, %s .. %s UTC" % (
        len(first), len(records),
        time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(records[0][0] // 1000000)),
        time.strftime("%H:%M:%S", time.gmtime(records[-1][0] // 1000000))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
