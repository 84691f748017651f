#!/usr/bin/env python3
"""Synthetic captures for the resource-bound tests: TCP sessions written
packet by packet (Ethernet, IPv4, TCP with correct sequence numbers, IP
lengths and checksums), streamed to a pcap file. Real traffic is what
pcaps/ holds; these are the extremes real software does not produce on
demand: a million SYNs, a gigabyte after STARTTLS, a 10 MB line.

As a command, writes one of the bound scenarios:
  synth.py syns N OUT             N SYNs from distinct flows
  synth.py tls-bulk MB OUT        one STARTTLS session, then MB megabytes of TLS records
  synth.py data-bulk MB OUT       one plaintext session with an MB-megabyte DATA body
  synth.py long-line MB OUT       a server reply line of MB megabytes without CRLF
  synth.py multiline N OUT        an endless multi-line reply (N continuation lines)
  synth.py pipelined N OUT        N pipelined commands in one stream
  synth.py open N OUT             N sessions left open (handshake and greeting each)
"""
import struct
import sys

MSS = 1448


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t = 1796000000 * 1000000

    def frame(self, frame, dt=20):
        self.t += dt
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(frame),
                                 len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()


def ipv4(a):
    return bytes(int(x) for x in a.split("."))


def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                     0, ipv4(src), ipv4(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


class Session:
    """A TCP connection: handshake, then data in either direction, each
    segment acknowledged by the other side."""

    def __init__(self, w, client, server, cport, sport=25):
        self.w, self.c, self.s, self.cp, self.sp = w, client, server, cport, sport
        self.cseq, self.sseq = 1000, 5000
        w.frame(packet(client, server, cport, sport, self.cseq, 0, 0x02))
        w.frame(packet(server, client, sport, cport, self.sseq, self.cseq + 1, 0x12))
        self.cseq += 1
        self.sseq += 1
        w.frame(packet(client, server, cport, sport, self.cseq, self.sseq, 0x10))

    def client(self, data):
        for i in range(0, len(data), MSS):
            part = data[i:i + MSS]
            self.w.frame(packet(self.c, self.s, self.cp, self.sp, self.cseq, self.sseq, 0x18, part))
            self.cseq += len(part)
        self.w.frame(packet(self.s, self.c, self.sp, self.cp, self.sseq, self.cseq, 0x10))

    def server(self, data):
        for i in range(0, len(data), MSS):
            part = data[i:i + MSS]
            self.w.frame(packet(self.s, self.c, self.sp, self.cp, self.sseq, self.cseq, 0x18, part))
            self.sseq += len(part)
        self.w.frame(packet(self.c, self.s, self.cp, self.sp, self.cseq, self.sseq, 0x10))

    def close(self):
        self.w.frame(packet(self.c, self.s, self.cp, self.sp, self.cseq, self.sseq, 0x11))
        self.w.frame(packet(self.s, self.c, self.sp, self.cp, self.sseq, self.cseq + 1, 0x11))
        self.w.frame(packet(self.c, self.s, self.cp, self.sp, self.cseq + 1, self.sseq + 1, 0x10))


def hello(kind, version=0x0303, cipher=0xC02F):
    """A minimal ClientHello (kind 1) or ServerHello (kind 2) record."""
    if kind == 1:
        body = struct.pack("!H", version) + b"\x11" * 32 + b"\x00" + struct.pack("!HH", 2, cipher) \
            + b"\x01\x00"
    else:
        body = struct.pack("!H", version) + b"\x22" * 32 + b"\x00" + struct.pack("!H", cipher) \
            + b"\x00"
    msg = bytes([kind]) + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(msg)) + msg


def record(ctype, n):
    return bytes([ctype, 3, 3]) + struct.pack("!H", n) + b"\xAB" * n


def syns(n, out):
    w = Writer(out)
    for i in range(n):
        src = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        w.frame(packet(src, "192.0.2.25", 1024 + i % 60000, 25, i * 7919, 0, 0x02), dt=1)
    w.close()


def starttls_prelude(s):
    s.server(b"220 mx.example ESMTP\r\n")
    s.client(b"EHLO client.example\r\n")
    s.server(b"250-mx.example\r\n250 STARTTLS\r\n")
    s.client(b"STARTTLS\r\n")
    s.server(b"220 2.0.0 Ready\r\n")
    s.client(hello(1))
    s.server(hello(2) + bytes([20, 3, 3, 0, 1, 1]) + record(22, 40))
    s.client(bytes([20, 3, 3, 0, 1, 1]) + record(22, 40))


def tls_bulk(mb, out):
    w = Writer(out)
    s = Session(w, "192.0.2.10", "192.0.2.25", 40000)
    starttls_prelude(s)
    chunk = record(23, 16384) * 4
    for _ in range(mb * 1024 * 1024 // len(chunk)):
        s.client(chunk)
    s.close()
    w.close()


def data_bulk(mb, out):
    w = Writer(out)
    s = Session(w, "192.0.2.10", "192.0.2.25", 40001)
    s.server(b"220 mx.example ESMTP\r\n")
    s.client(b"EHLO client.example\r\n")
    s.server(b"250 mx.example\r\n")
    s.client(b"MAIL FROM:<a@example.org>\r\n")
    s.server(b"250 ok\r\n")
    s.client(b"RCPT TO:<b@example.org>\r\n")
    s.server(b"250 ok\r\n")
    s.client(b"DATA\r\n")
    s.server(b"354 go\r\n")
    line = b"x" * 76 + b"\r\n"
    chunk = line * 800
    for _ in range(mb * 1024 * 1024 // len(chunk)):
        s.client(chunk)
    s.client(b".\r\n")
    s.server(b"250 queued\r\n")
    s.client(b"QUIT\r\n")
    s.server(b"221 bye\r\n")
    s.close()
    w.close()


def long_line(mb, out):
    w = Writer(out)
    s = Session(w, "192.0.2.10", "192.0.2.25", 40002)
    s.server(b"220 mx.example ESMTP\r\n")
    s.client(b"EHLO client.example\r\n")
    chunk = b"250-" + b"y" * (64 * 1024 - 4)
    s.server(chunk)
    for _ in range(mb * 16 - 1):
        s.server(b"y" * (64 * 1024))
    s.close()
    w.close()


def multiline(n, out):
    w = Writer(out)
    s = Session(w, "192.0.2.10", "192.0.2.25", 40003)
    s.server(b"220 mx.example ESMTP\r\n")
    s.client(b"EHLO client.example\r\n")
    batch = b"250-KEYWORD-THAT-NEVER-ENDS\r\n" * 1000
    for _ in range(n // 1000):
        s.server(batch)
    s.close()
    w.close()


def pipelined(n, out):
    w = Writer(out)
    s = Session(w, "192.0.2.10", "192.0.2.25", 40004)
    s.server(b"220 mx.example ESMTP\r\n")
    s.client(b"EHLO client.example\r\n")
    s.server(b"250-mx.example\r\n250 PIPELINING\r\n")
    s.client(b"MAIL FROM:<a@example.org>\r\n")
    s.client(b"RCPT TO:<b@example.org>\r\n" * n)
    s.server(b"250 ok\r\n" * 1000)
    s.close()
    w.close()


def open_sessions(n, out):
    w = Writer(out)
    for i in range(n):
        client = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        port = 1024 + (i >> 24)
        w.frame(packet(client, "192.0.2.25", port, 25, 1000, 0, 0x02), dt=1)
        w.frame(packet("192.0.2.25", client, 25, port, 5000, 1001, 0x12), dt=1)
        w.frame(packet(client, "192.0.2.25", port, 25, 1001, 5001, 0x10), dt=1)
        w.frame(packet("192.0.2.25", client, 25, port, 5001, 1001, 0x18,
                       b"220 mx.example ESMTP\r\n"), dt=1)
    w.close()


SCENARIOS = {"syns": syns, "tls-bulk": tls_bulk, "data-bulk": data_bulk, "long-line": long_line,
             "multiline": multiline, "pipelined": pipelined, "open": open_sessions}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SCENARIOS:
        sys.exit(__doc__)
    SCENARIOS[sys.argv[1]](int(sys.argv[2]), sys.argv[3])
