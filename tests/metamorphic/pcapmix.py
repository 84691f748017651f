#!/usr/bin/env python3
"""Rewrite a capture the way messy networks do, deterministically from a seed:
reorder packets within a window, duplicate some, and re-split TCP segments at
random boundaries. The analysis of the result must equal that of the original.

Reads classic pcap (either byte order, micro or nanosecond) with Ethernet
(optionally 802.1Q-tagged), raw IP, or Linux SLL framing and IPv4/IPv6 + TCP.
Packets it cannot parse are kept as they are.

Rules that keep the rewrite honest (a reordering the endpoints could not
have caused is not asked for): a connection's SYN and SYN-ACK stay where they
are, and no packet of a connection moves before them. Packets keep their own
timestamps (pieces of a split packet share its time), so time runs backwards
locally, as in captures merged from several queues.

usage: pcapmix.py IN OUT --seed N [--window W] [--dup P] [--split P]
"""
import argparse
import random
import struct

LINK_ETHERNET, LINK_RAW, LINK_RAW_LT, LINK_SLL = 1, 12, 101, 113


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit("%s: not a classic pcap file" % path)
    header = data[:24]
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    packets, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        packets.append([sec, frac, data[off + 16:off + 16 + caplen], wirelen])
        off += 16 + caplen
    return endian, header, linktype, packets


def write_pcap(path, endian, header, packets):
    with open(path, "wb") as f:
        f.write(header)
        for sec, frac, frame, wirelen in packets:
            f.write(struct.pack(endian + "IIII", sec, frac, len(frame), wirelen))
            f.write(frame)


def l3_offset(linktype, frame):
    """Offset of the IP header, or None."""
    if linktype == LINK_ETHERNET:
        off, etype = 12, None
        while off + 2 <= len(frame):
            etype = struct.unpack(">H", frame[off:off + 2])[0]
            if etype in (0x8100, 0x88A8, 0x9100):
                off += 4
                continue
            break
        return off + 2 if etype in (0x0800, 0x86DD) else None
    if linktype in (LINK_RAW, LINK_RAW_LT):
        return 0
    if linktype == LINK_SLL:
        return 16
    return None


def parse_tcp(linktype, frame):
    """(ip_off, ip_version, ip_hlen, tcp_off, tcp_hlen, payload_off, payload_len) or None."""
    l3 = l3_offset(linktype, frame)
    if l3 is None or l3 >= len(frame):
        return None
    ver = frame[l3] >> 4
    if ver == 4:
        if len(frame) < l3 + 20:
            return None
        ihl = (frame[l3] & 15) * 4
        total = struct.unpack(">H", frame[l3 + 2:l3 + 4])[0]
        frag = struct.unpack(">H", frame[l3 + 6:l3 + 8])[0]
        if frame[l3 + 9] != 6 or frag & 0x3FFF or total < ihl:
            return None
        end = l3 + total
    elif ver == 6:
        if len(frame) < l3 + 40 or frame[l3 + 6] != 6:
            return None
        ihl = 40
        end = l3 + 40 + struct.unpack(">H", frame[l3 + 4:l3 + 6])[0]
    else:
        return None
    tcp = l3 + ihl
    if len(frame) < tcp + 20 or end > len(frame):
        return None  # cut by the snapshot length: leave it alone
    thl = (frame[tcp + 12] >> 4) * 4
    if thl < 20 or tcp + thl > end:
        return None
    return l3, ver, ihl, tcp, thl, tcp + thl, end - (tcp + thl)


def flow_key(frame, info):
    l3, ver, ihl, tcp = info[0], info[1], info[2], info[3]
    if ver == 4:
        a, b = frame[l3 + 12:l3 + 16], frame[l3 + 16:l3 + 20]
    else:
        a, b = frame[l3 + 8:l3 + 24], frame[l3 + 24:l3 + 40]
    sp, dp = frame[tcp:tcp + 2], frame[tcp + 2:tcp + 4]
    return tuple(sorted([(a, sp), (b, dp)]))


def split_packet(frame, info, cut):
    """Two frames carrying payload[:cut] and payload[cut:]."""
    l3, ver, ihl, tcp, thl, poff, plen = info
    seq = struct.unpack(">I", frame[tcp + 4:tcp + 8])[0]
    flags = frame[tcp + 13]
    head, pay = frame[:poff], frame[poff:poff + plen]
    out = []
    for part, delta, last in ((pay[:cut], 0, False), (pay[cut:], cut, True)):
        f = bytearray(head + part)
        struct.pack_into(">I", f, tcp + 4, (seq + delta) & 0xFFFFFFFF)
        fl = flags if last else flags & ~0x09  # FIN and PSH only on the last piece
        f[tcp + 13] = fl
        if ver == 4:
            struct.pack_into(">H", f, l3 + 2, ihl + thl + len(part))
            struct.pack_into(">H", f, l3 + 10, 0)
            s = 0
            for i in range(l3, l3 + ihl, 2):
                s += (f[i] << 8) + f[i + 1]
            while s >> 16:
                s = (s & 0xFFFF) + (s >> 16)
            struct.pack_into(">H", f, l3 + 10, ~s & 0xFFFF)
        else:
            struct.pack_into(">H", f, l3 + 4, thl + len(part))
        out.append(bytes(f))
    return out


def mix(linktype, packets, rng, window, dup, split):
    items = []  # (frame, wirelen, key, is_handshake, sec, frac)
    for sec, frac, frame, wirelen in packets:
        info = parse_tcp(linktype, frame)
        if info is None:
            items.append((frame, wirelen, None, True, sec, frac))
            continue
        key = flow_key(frame, info)
        flags = frame[info[3] + 13]
        handshake = bool(flags & 0x02)
        plen = info[6]
        if not handshake and plen > 1 and rng.random() < split and len(frame) == wirelen:
            for f in split_packet(frame, info, rng.randint(1, plen - 1)):
                items.append((f, len(f), key, False, sec, frac))
        else:
            items.append((frame, wirelen, key, handshake, sec, frac))
    # Duplicates land a little later, but not after their connection's last
    # packet (a copy arriving after the close would be a new connection).
    last = {}
    for i, it in enumerate(items):
        last[it[2]] = i
    out = list(items)
    for i in range(len(items) - 1, -1, -1):
        if not items[i][3] and rng.random() < dup:
            out.insert(min(i + 1 + rng.randint(0, window), last[items[i][2]] + 1), items[i])
    # Local shuffle: each packet may move back by up to `window` slots, never
    # past a handshake packet of its own flow.
    result = []
    for it in out:
        pos = len(result)
        if not it[3]:
            back = rng.randint(0, window)
            while back > 0 and pos > 0 and not (result[pos - 1][3] and result[pos - 1][2] == it[2]):
                pos -= 1
                back -= 1
        result.insert(pos, it)
    return [[sec, frac, frame, wirelen] for frame, wirelen, _, _, sec, frac in result]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--dup", type=float, default=0.05)
    ap.add_argument("--split", type=float, default=0.2)
    a = ap.parse_args()
    endian, header, linktype, packets = read_pcap(a.inp)
    rng = random.Random(a.seed)
    write_pcap(a.out, endian, header, mix(linktype, packets, rng, a.window, a.dup, a.split))


if __name__ == "__main__":
    main()
