#!/usr/bin/env python3
"""Make pcaps/edited/*.pcap: real captures from pcaps/ edited the way messy
networks and capture setups damage them, each edit a small function here so
that anyone can rerun it (python3 pcaps/edit.py). Nothing is synthesised: every
byte comes from a real capture; only headers are rewritten, packets dropped,
duplicated, cut or re-framed.

  seq-wrap          sequence numbers moved so both directions wrap past 2^32
                    during the SMTP dialogue and the TLS handshake
  gap-smtp          the client segment carrying MAIL FROM is lost
  gap-tls           the server segment carrying the ServerHello is lost
  midstream-smtp    the capture starts after the EHLO reply
  midstream-tls     the capture starts after the TLS handshake
  overlap-conflict  MAIL FROM retransmitted with different bytes
  snaplen-96        every packet cut to 96 bytes, as by tcpdump -s 96
  qinq              802.1ad + 802.1Q tags on every frame
  sll2              Linux cooked v2 framing instead of Ethernet
  ipv4-frag         every IPv4 packet with payload split into IP fragments
  vxlan             every frame inside VXLAN (UDP 4789), as cloud traffic mirroring sends it
  gre               every IP packet inside GRE between two routers
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "metamorphic"))
import pcapmix  # noqa: E402  (pcap reading, writing and TCP parsing)

OUT = os.path.join(HERE, "edited")


def load(name):
    return pcapmix.read_pcap(os.path.join(HERE, name + ".pcap"))


def save(name, endian, header, packets, linktype=None, snaplen=None):
    header = bytearray(header)
    if linktype is not None:
        struct.pack_into(endian + "I", header, 20, linktype)
    if snaplen is not None:
        struct.pack_into(endian + "I", header, 16, snaplen)
    os.makedirs(OUT, exist_ok=True)
    pcapmix.write_pcap(os.path.join(OUT, name + ".pcap"), endian, bytes(header), packets)
    print("wrote edited/%s.pcap (%d packets)" % (name, len(packets)))


def tcp(linktype, frame):
    return pcapmix.parse_tcp(linktype, frame)


def payload(frame, info):
    return frame[info[5]:info[5] + info[6]]


def is_client(frame, info):
    """The client sends to one of the SMTP ports."""
    dport = struct.unpack(">H", frame[info[3] + 2:info[3] + 4])[0]
    return dport in (25, 465, 587, 2525)


def seq_wrap():
    endian, header, lt, pkts = load("starttls-tls12-ecdhe")
    # Offsets per direction so the ISNs land just below 2^32.
    isn = {}
    for p in pkts:
        info = tcp(lt, p[2])
        if info and p[2][info[3] + 13] & 0x02:
            isn[is_client(p[2], info)] = struct.unpack(">I", p[2][info[3] + 4:info[3] + 8])[0]
    target = {True: 0xFFFFFF00, False: 0xFFFFFC00}
    delta = {d: (target[d] - isn[d]) & 0xFFFFFFFF for d in isn}
    out = []
    for sec, frac, frame, wirelen in pkts:
        info = tcp(lt, frame)
        if info:
            f = bytearray(frame)
            c = is_client(frame, info)
            seq, ack = struct.unpack(">II", frame[info[3] + 4:info[3] + 12])
            struct.pack_into(">I", f, info[3] + 4, (seq + delta[c]) & 0xFFFFFFFF)
            if frame[info[3] + 13] & 0x10:
                struct.pack_into(">I", f, info[3] + 8, (ack + delta[not c]) & 0xFFFFFFFF)
            frame = bytes(f)
        out.append([sec, frac, frame, wirelen])
    save("seq-wrap", endian, header, out)


def drop_first(name, out_name, want):
    endian, header, lt, pkts = load(name)
    out, dropped = [], False
    for p in pkts:
        info = tcp(lt, p[2])
        if not dropped and info and want(p[2], info):
            dropped = True
            continue
        out.append(p)
    assert dropped, out_name
    save(out_name, endian, header, out)


def gap_smtp():
    drop_first("plain-offered", "gap-smtp",
               lambda f, i: is_client(f, i) and payload(f, i).startswith(b"MAIL FROM"))


def gap_tls():
    # A TLS handshake record whose first message is a ServerHello (type 2).
    drop_first("starttls-tls12-ecdhe", "gap-tls",
               lambda f, i: not is_client(f, i) and payload(f, i)[:1] == b"\x16" and
               payload(f, i)[5:6] == b"\x02")


def start_after(name, out_name, want):
    endian, header, lt, pkts = load(name)
    for k, p in enumerate(pkts):
        info = tcp(lt, p[2])
        if info and want(p[2], info):
            save(out_name, endian, header, pkts[k + 1:])
            return
    raise SystemExit(out_name + ": cut point not found")


def midstream_smtp():
    start_after("plain-offered", "midstream-smtp",
                lambda f, i: not is_client(f, i) and payload(f, i).startswith(b"250-"))


def midstream_tls():
    # After the server's ChangeCipherSpec and Finished: application data follows.
    start_after("starttls-tls12-ecdhe", "midstream-tls",
                lambda f, i: not is_client(f, i) and b"\x14\x03\x03\x00\x01\x01" in payload(f, i))


def overlap_conflict():
    endian, header, lt, pkts = load("plain-offered")
    out, done = [], False
    for p in pkts:
        out.append(p)
        info = tcp(lt, p[2])
        if not done and info and is_client(p[2], info) and payload(p[2], info).startswith(b"MAIL FROM"):
            f = bytearray(p[2])
            at = info[5] + payload(p[2], info).index(b"@") - 1
            f[at] = ord("X") if f[at] != ord("X") else ord("Y")  # one byte differs
            out.append([p[0], p[1], bytes(f), p[3]])
            done = True
    assert done
    save("overlap-conflict", endian, header, out)


def snaplen_96():
    endian, header, lt, pkts = load("starttls-tls13")
    out = [[s, fr, frame[:96], wl] for s, fr, frame, wl in pkts]
    save("snaplen-96", endian, header, out, snaplen=96)


def qinq():
    endian, header, lt, pkts = load("starttls-tls13")
    out = []
    for s, fr, frame, wl in pkts:
        tags = struct.pack(">HHHH", 0x88A8, 100, 0x8100, 200)  # outer S-tag 100, inner C-tag 200
        out.append([s, fr, frame[:12] + tags + frame[12:], wl + 8])
    save("qinq", endian, header, out)


def sll2():
    endian, header, lt, pkts = load("starttls-tls12-dhe")
    out = []
    for s, fr, frame, wl in pkts:
        etype = frame[12:14]
        # protocol, reserved, interface index 1, ARPHRD_LOOPBACK, outgoing, 6-byte address
        hdr = etype + b"\x00\x00" + struct.pack(">IHBB", 1, 772, 4, 6) + frame[6:12] + b"\x00\x00"
        out.append([s, fr, hdr + frame[14:], wl - 14 + 20])
    save("sll2", endian, header, out, linktype=276)


def ipv4_frag():
    endian, header, lt, pkts = load("starttls-tls12-rsa")
    out = []
    ident = 0x4000
    for s, fr, frame, wl in pkts:
        info = tcp(lt, frame)
        if not info or info[1] != 4 or info[6] < 64 or len(frame) != wl:
            out.append([s, fr, frame, wl])
            continue
        l3, ihl = info[0], info[2]
        body = frame[l3 + ihl:l3 + struct.unpack(">H", frame[l3 + 2:l3 + 4])[0]]
        ident += 1
        step = 48  # a multiple of 8: the TCP header lands in the first fragment
        for off in range(0, len(body), step):
            part = body[off:off + step]
            more = off + step < len(body)
            ip = bytearray(frame[l3:l3 + ihl])
            struct.pack_into(">H", ip, 2, ihl + len(part))
            struct.pack_into(">H", ip, 4, ident)
            struct.pack_into(">H", ip, 6, (0x2000 if more else 0) | (off // 8))
            struct.pack_into(">H", ip, 10, 0)
            csum = sum(struct.unpack(">%dH" % (ihl // 2), bytes(ip)))
            while csum >> 16:
                csum = (csum & 0xFFFF) + (csum >> 16)
            struct.pack_into(">H", ip, 10, ~csum & 0xFFFF)
            f = frame[:l3] + bytes(ip) + part
            out.append([s, fr, f, len(f)])
    save("ipv4-frag", endian, header, out)


def outer_ipv4(payload, proto):
    ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto,
                               0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])))
    csum = sum(struct.unpack(">10H", bytes(ip)))
    while csum >> 16:
        csum = (csum & 0xFFFF) + (csum >> 16)
    struct.pack_into(">H", ip, 10, ~csum & 0xFFFF)
    return b"\x02\0\0\0\0\x0a" + b"\x02\0\0\0\0\x0b" + b"\x08\x00" + bytes(ip) + payload


def vxlan():
    endian, header, lt, pkts = load("starttls-tls13")
    out = []
    for s, fr, frame, wl in pkts:
        inner = b"\x08\0\0\0" + struct.pack(">I", 1234 << 8) + frame  # VNI 1234
        udp = struct.pack(">HHHH", 49152, 4789, 8 + len(inner), 0) + inner
        f = outer_ipv4(udp, 17)
        out.append([s, fr, f, len(f)])
    save("vxlan", endian, header, out)


def gre():
    endian, header, lt, pkts = load("starttls-tls12-ecdhe")
    out = []
    for s, fr, frame, wl in pkts:
        grehdr = struct.pack(">HH", 0, 0x0800)
        f = outer_ipv4(grehdr + frame[14:], 47)
        out.append([s, fr, f, len(f)])
    save("gre", endian, header, out)


EDITS = {
    "seq-wrap": seq_wrap, "gap-smtp": gap_smtp, "gap-tls": gap_tls,
    "midstream-smtp": midstream_smtp, "midstream-tls": midstream_tls,
    "overlap-conflict": overlap_conflict, "snaplen-96": snaplen_96, "qinq": qinq,
    "sll2": sll2, "ipv4-frag": ipv4_frag, "vxlan": vxlan, "gre": gre,
}

if __name__ == "__main__":
    for name in sys.argv[1:] or EDITS:
        EDITS[name]()
