#!/usr/bin/env python3
"""Build a large benchmark capture for smtptls from the real captures in pcaps/.

Every SMTP session in the output is a copy of a real session from one of
pcaps/NAME.pcap (those with a committed pcaps/NAME.sessions.jsonl; pcaps/edited/
is not used), with rewritten

  * addresses: clients from 10.0.0.0/9 (IPv4) or fd00:c::/64 (IPv6), servers
    from 10.200.0.0/16 or fd00:200::/64 (a pool of 64 per template server),
    Ethernet MACs derived from them;
  * client ports (ephemeral range, every 4-tuple used once in the file);
  * initial sequence numbers (random per direction; every seq/ack is moved);
  * timestamps: the template's inter-packet gaps stretched 10-30x (loopback
    RTTs become WAN-like ones), sessions starting as a Poisson process so that
    a few hundred are open at once; the file's timestamps never decrease;
  * message size: a DATA body sent in clear is grown by repeating the
    template's own body lines before the final "."; a TLS session (STARTTLS or
    implicit) gets extra application-data records, whose bytes are copied from
    the session's own encrypted records, before its largest client record
    (the one carrying the message). Target sizes are log-uniform between
    --min-kb and --max-kb. BDAT sessions and NULL-cipher sessions (whose
    records are readable) keep their size.

Segmentation: the grown/inserted bytes (and any template segment longer than
one MSS: loopback captures have 64 KB segments) are sent as MSS-sized segments
(1460/1440 minus the TCP options), the other side ACKs every second segment,
and every later seq/ack of the session is shifted accordingly (a segment
boundary never splits the CRLF "." CRLF around a growth point: tshark 4.0 would
miss the end of DATA). SYN MSS options are rewritten to 1460/1440; other TCP
options (timestamps, window scale, SACK) and windows are the template's. IPv4 total length and header checksum, IPv6
payload length, and TCP and UDP checksums are all computed (valid).

Background traffic (about a third of the packets by default, --background),
none of which the default smtptls filter admits:
  * tcp/443 and tcp/993: implicit-TLS sessions of pcaps/ re-ported, with
    extra server->client application-data records before the server's last
    record (downloads, 5-250 KB);
  * tcp/80: plaintext SMTP sessions of pcaps/ re-ported, grown as above;
  * udp/53: DNS query/response pairs built here (A/AAAA/MX).

What smtptls must report is computed from what was put in: each template
session's mode, cipher, version, STARTTLS offer and leaks are taken from the
committed pcaps/NAME.sessions.jsonl (never from running smtptls on the output)
and written to EXPECTED.json (default: <out without .pcap>.EXPECTED.json) with
the key names of `smtptls --json`.

Deterministic: the same arguments (and Python 3 version) give a byte-identical
file; its sha256 is printed and stored in EXPECTED.json.  The output is
streamed: memory holds only the sessions currently open.

--concurrent N makes a file for memory measurements instead: N SMTP sessions
that are all open at the same moment (every session sends its first half of
packets, then, after all have, its second half), no background, messages not
grown unless --max-kb is given.
"""

import argparse
import glob
import hashlib
import heapq
import json
import math
import os
import random
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SMTP_PORTS = (25, 465, 587, 2525)
DEFAULT_SESSIONS = 25000  # sized so that the default file is > 1 GB, > 1M packets
MAX_RECORD = 16401  # TLS 1.3 record: 16384 + content type + 16-byte tag

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


# --------------------------------------------------------------------------
# checksums: the ones' complement sum of 16-bit words equals the big-endian
# integer modulo 0xFFFF (65536 = 1 mod 65535), computed in C by int().
def _sum16(b):
    if len(b) & 1:
        b = b + b"\0"
    return int.from_bytes(b, "big") % 0xFFFF


def _fold(s):
    s %= 0xFFFF
    return 0xFFFF - s if s else 0  # s == 0 means the sum was 0xFFFF


# --------------------------------------------------------------------------
# reading the templates
def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        e, div = "<", 1
    elif magic == 0xD4C3B2A1:
        e, div = ">", 1
    elif magic == 0xA1B23C4D:
        e, div = "<", 1000
    elif magic == 0x4D3CB2A1:
        e, div = ">", 1000
    else:
        raise SystemExit("%s: not a classic pcap file" % path)
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("%s: link type %d, only Ethernet is supported" % (path, linktype))
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, cap, _wire = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        out.append((sec * 1000000 + frac // div, data[off:off + cap]))
        off += cap
    return out


def parse_frame(frame):
    """-> (fam, src, dst, ipmeta, sport, dport, seq, ack, flags, win, opts, payload) or None."""
    etype = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        tot = struct.unpack(">H", ip[2:4])[0]
        fam, src, dst = 4, ip[12:16], ip[16:20]
        ipmeta = (ip[1], struct.unpack(">H", ip[6:8])[0] & 0x4000, ip[8])  # tos, DF, ttl
        tcp = ip[ihl:tot]
    elif etype == 0x86DD:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        fam, src, dst = 6, ip[8:24], ip[24:40]
        ipmeta = (struct.unpack(">I", ip[0:4])[0], ip[7])  # version/class/flow label, hop limit
        tcp = ip[40:40 + plen]
    else:
        return None
    sport, dport, seq, ack, offflags, win = struct.unpack(">HHIIHH", tcp[:16])
    doff = (offflags >> 12) * 4
    return (fam, src, dst, ipmeta, sport, dport, seq, ack, offflags & 0x3F, win,
            bytes(tcp[20:doff]), bytes(tcp[doff:]))


def ntop(fam, b):
    return socket.inet_ntop(socket.AF_INET if fam == 4 else socket.AF_INET6, b)


class Template:
    """One real TCP connection and what it is known to be."""

    def __init__(self, name, rec, fam, server_ip, server_port, pkts):
        self.name = name
        self.rec = rec
        self.fam = fam
        self.server_ip = server_ip
        self.server_port = server_port
        self.mode = rec["mode"]
        # pkts: [t_rel_us, dir(0 client,1 server), flags, seq_rel, ack_rel, win, opts, payload, ipmeta]
        self.pkts = pkts
        streams = [bytearray(), bytearray()]
        for p in pkts:
            d, seq_rel, pl = p[1], p[3], p[7]
            if pl:
                have = len(streams[d]) + 1
                if seq_rel > have:
                    raise SystemExit("%s: template %s has a hole" % (name, rec["client_port"]))
                if seq_rel < have:  # a retransmission (there are real ones): same bytes
                    if streams[d][seq_rel - 1:seq_rel - 1 + len(pl)] != pl[:have - seq_rel]:
                        raise SystemExit("%s: template %s retransmits different bytes" % (name, rec["client_port"]))
                    pl = pl[have - seq_rel:]
                streams[d] += pl
        self.streams = [bytes(s) for s in streams]
        self.duration = pkts[-1][0]
        # cached partial checksum of each payload
        self.paysum = [_sum16(p[7]) if p[7] else 0 for p in pkts]

    # --- where a message can be grown
    def data_points(self):
        """Cleartext DATA bodies: [(offset of the final '.' line, filler bytes)]."""
        if self.mode not in ("plaintext", "starttls-failed") or "DATA" not in (self.rec.get("leaked") or []):
            return []
        s, out, pos, body = self.streams[0], [], 0, None
        while True:
            end = s.find(b"\r\n", pos)
            if end < 0:
                break
            line = s[pos:end]
            if body is None:
                if line.upper() == b"DATA":
                    body = []
                elif line.upper() == b"STARTTLS" and self.mode != "starttls-failed":
                    break
            elif line == b".":
                out.append((pos, filler(body)))
                body = None
            else:
                body.append(line)
            pos = end + 2
        return out

    def tls_records(self, d):
        s = self.streams[d]
        if self.mode.startswith("starttls"):
            if d == 0:
                i = s.find(b"STARTTLS\r\n")
                i = i + 10 if i >= 0 else -1
            else:  # the server's TLS starts after its 220 reply to STARTTLS
                i = find_tls_start(s)
        else:
            i = 0
        recs = []
        while 0 <= i and i + 5 <= len(s):
            typ, _ver, ln = struct.unpack(">BHH", s[i:i + 5])
            if typ not in (20, 21, 22, 23):
                break
            recs.append((i, typ, ln))
            i += 5 + ln
        return recs

    def tls_point(self, d):
        """Offset of the record before which extra application data goes, and a pool of
        ciphertext bytes to copy from."""
        recs = self.tls_records(d)
        app = [r for r in recs if r[1] == 23]
        s = self.streams[d]
        pool = b"".join(s[o + 5:o + 5 + ln] for o, _t, ln in app)
        if d == 0:
            if self.rec.get("tls_version") == "TLSv1.3" and app:
                app = app[1:]  # the client's Finished travels in the first one
            if not app:
                return None
            best = max(app, key=lambda r: (r[2], -r[0]))
            return best[0], pool
        if not recs:
            return None
        return recs[-1][0], pool


def find_tls_start(s):
    """Server stream of a STARTTLS session: first TLS handshake record after a 220 line."""
    pos = 0
    while True:
        end = s.find(b"\r\n", pos)
        if end < 0:
            return -1
        nxt = end + 2
        if s[pos:pos + 4] == b"220 " and pos > 0 and s[nxt:nxt + 1] == b"\x16":
            return nxt
        pos = nxt


def null_cipher(rec):
    """A NULL-encryption suite: its records carry readable SMTP, which copied
    ciphertext would turn into garbage commands; such sessions are not grown."""
    return "NULL" in (rec.get("cipher") or "") or "_WITH_NULL_" in (rec.get("cipher_iana") or "")


def filler(body_lines):
    """Bytes to grow a message body with: the body's own lines (after the header block)."""
    try:
        blank = body_lines.index(b"")
        lines = body_lines[blank + 1:]
    except ValueError:
        lines = body_lines
    lines = [ln for ln in lines if not ln.startswith(b".")]
    if not any(lines):
        lines = [ln for ln in body_lines if ln and not ln.startswith(b".")]
    unit = b"".join(ln + b"\r\n" for ln in lines)
    return unit or b"This is filler text for the benchmark.\r\n"


def load_templates(pcap_dir):
    templates = []
    for path in sorted(glob.glob(os.path.join(pcap_dir, "*.pcap"))):
        name = os.path.basename(path)[:-5]
        rec_path = os.path.join(pcap_dir, name + ".sessions.jsonl")
        if not os.path.exists(rec_path):
            continue
        with open(rec_path) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        by_key = {(r["client"], r["client_port"], r["server"], r["server_port"]): r for r in recs}
        conns = {}
        for t, frame in read_pcap(path):
            p = parse_frame(frame)
            if p is None:
                continue
            fam, src, dst, ipmeta, sport, dport, seq, ack, flags, win, opts, payload = p
            a, b = (ntop(fam, src), sport), (ntop(fam, dst), dport)
            key = (a, b) if (a, b) in conns or (b, a) not in conns else (b, a)
            if key not in conns:
                if not (flags & SYN) or (flags & ACK):
                    raise SystemExit("%s: a connection without a SYN" % path)
                conns[key] = {"fam": fam, "t0": t, "pkts": [], "isn": [seq, None]}
            c = conns[key]
            d = 0 if (a, b) == key else 1
            if d == 1 and (flags & SYN):
                c["isn"][1] = seq
            c["pkts"].append([t, d, flags, seq, ack, win, opts, payload, ipmeta])
        for (cl, sv), c in conns.items():
            rec = by_key.pop((cl[0], cl[1], sv[0], sv[1]), None)
            if rec is None:
                continue  # a connection without payload is no session
            isn = c["isn"]
            pk = []
            for t, d, flags, seq, ack, win, opts, payload, ipmeta in c["pkts"]:
                seq_rel = (seq - isn[d]) & 0xFFFFFFFF
                ack_rel = (ack - isn[1 - d]) & 0xFFFFFFFF if (flags & ACK) else 0
                pk.append((t - c["t0"], d, flags, seq_rel, ack_rel, win, opts, payload, ipmeta))
            templates.append(Template(name, rec, c["fam"], sv[0], sv[1], pk))
        if by_key:
            raise SystemExit("%s: %d session records without a connection" % (name, len(by_key)))
    if not templates:
        raise SystemExit("no templates found in %s" % pcap_dir)
    return templates


# --------------------------------------------------------------------------
# building packets
def mac_for(addr):
    return b"\x02" + hashlib.md5(addr).digest()[:5]


def set_mss(opts, mss):
    o, i = bytearray(opts), 0
    while i < len(o):
        k = o[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            break
        if k == 2 and o[i + 1] == 4:
            struct.pack_into(">H", o, i + 2, mss)
        i += o[i + 1]
    return bytes(o)


class Flow:
    """Addresses of one connection and the per-direction header state."""

    __slots__ = ("fam", "addr", "port", "mac", "ipid", "pseudo_sum", "eth", "proto")

    def __init__(self, fam, caddr, cport, saddr, sport, rng, proto=6):
        self.fam = fam
        self.proto = proto
        self.addr = (caddr, saddr)
        self.port = (cport, sport)
        cm, sm = mac_for(caddr), mac_for(saddr)
        et = b"\x08\x00" if fam == 4 else b"\x86\xdd"
        self.eth = (sm + cm + et, cm + sm + et)  # dir 0: client -> server
        self.ipid = [rng.getrandbits(16), rng.getrandbits(16)]
        # the address part of the pseudo-header, per direction (sum is symmetric)
        s = _sum16(caddr + saddr)
        self.pseudo_sum = s + proto

    def tcp(self, d, ipmeta, seq, ack, flags, win, opts, payload, paysum=None):
        if len(opts) & 3:
            opts = opts + b"\0" * (4 - (len(opts) & 3))
        doff = 20 + len(opts)
        tlen = doff + len(payload)
        sp, dp = (self.port[0], self.port[1]) if d == 0 else (self.port[1], self.port[0])
        hdr = struct.pack(">HHIIHHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          ((doff // 4) << 12) | flags, win, 0, 0) + opts
        if paysum is None:
            paysum = _sum16(payload) if payload else 0
        if len(hdr) & 1:
            raise ValueError("odd TCP header")
        csum = _fold(self.pseudo_sum + tlen + _sum16(hdr) + paysum)
        hdr = hdr[:16] + struct.pack(">H", csum) + hdr[18:]
        return self._ip(d, ipmeta, hdr, payload, tlen)

    def udp(self, d, payload):
        sp, dp = (self.port[0], self.port[1]) if d == 0 else (self.port[1], self.port[0])
        ulen = 8 + len(payload)
        hdr = struct.pack(">HHHH", sp, dp, ulen, 0)
        csum = _fold(self.pseudo_sum + ulen + _sum16(hdr) + _sum16(payload)) or 0xFFFF
        hdr = hdr[:6] + struct.pack(">H", csum)
        meta = (0, 0x0000, 64) if self.fam == 4 else (0x60000000, 64)
        return self._ip(d, meta, hdr, payload, ulen)

    def _ip(self, d, ipmeta, l4hdr, payload, l4len):
        src, dst = (self.addr[0], self.addr[1]) if d == 0 else (self.addr[1], self.addr[0])
        if self.fam == 4:
            tos, df, ttl = ipmeta
            ipid = self.ipid[d]
            self.ipid[d] = (ipid + 1) & 0xFFFF
            ip = struct.pack(">BBHHHBBH", 0x45, tos, 20 + l4len, ipid, df, ttl, self.proto, 0) + src + dst
            ip = ip[:10] + struct.pack(">H", _fold(_sum16(ip))) + ip[12:]
        else:
            vtf, hlim = ipmeta
            ip = struct.pack(">IHBB", vtf, l4len, self.proto, hlim) + src + dst
        return self.eth[d] + ip + l4hdr + payload


def make_records(nbytes, pool, start):
    """Application-data records totalling about nbytes, their contents copied from pool."""
    if len(pool) < 64:
        pool = pool + hashlib.sha256(pool).digest() * 4
    reps = (MAX_RECORD + start) // len(pool) + 2
    big = pool * reps
    out, off = [], start % len(pool)
    left = nbytes
    while left > 0:
        ln = max(32, min(MAX_RECORD, left - 5))
        out.append(b"\x17\x03\x03" + struct.pack(">H", ln) + big[off:off + ln])
        off = (off + ln * 7 + 13) % len(pool)
        left -= ln + 5
    return b"".join(out)


def build_session(tpl, flow, t0, stretch, inserts, rng, seg_gap=120, ack_delay=60):
    """All packets of one copy of tpl: [(t_us, frame)].
    inserts: {dir: [(X, bytes)]} with X an offset in that direction's stream (0-based)."""
    fam = tpl.fam
    mss_opt = 1460 if fam == 4 else 1440
    isn = [rng.getrandbits(32), rng.getrandbits(32)]
    # per direction: [(X_rel, n, k)] with X_rel = stream offset + 1 (seq space), k = packet index
    ins = {0: [], 1: []}
    at_packet = {}
    for d, lst in inserts.items():
        for x, data in sorted(lst, key=lambda v: v[0]):
            xr = x + 1
            hits = [k for k, p in enumerate(tpl.pkts) if p[1] == d and p[7] and p[3] <= xr < p[3] + len(p[7])]
            if len(hits) != 1:
                continue  # not in a segment, or in a retransmitted one: that message is not grown
            ins[d].append((xr, len(data), hits[0]))
            at_packet.setdefault(hits[0], []).append((xr, data))

    def shift(d, v, k):
        s = 0
        for xr, n, ki in ins[d]:
            if xr < v or (xr == v and k > ki):
                s += n
        return s

    out = []
    tshift = 0
    last_t = t0
    nxt = [1, 1]  # next template seq (rel) per direction
    last_win = [None, None]
    last_opts = [b"", b""]
    last_meta = [None, None]
    for k, p in enumerate(tpl.pkts):
        t_rel, d, flags, seq_rel, ack_rel, win, opts, payload, ipmeta = p
        o = 1 - d
        t = t0 + int(t_rel * stretch) + tshift
        if t < last_t:
            t = last_t
        if flags & SYN:
            opts = set_mss(opts, mss_opt)
        seq = isn[d] + seq_rel + shift(d, seq_rel, k)
        ack = (isn[o] + ack_rel + shift(o, ack_rel, k)) if flags & ACK else 0
        segmax = mss_opt - len(opts)
        if k in at_packet or len(payload) > segmax:
            parts, pos, keep, blen = [], seq_rel, [], 0
            for xr, data in at_packet.get(k, ()):
                parts.append(payload[pos - seq_rel:xr - seq_rel])
                blen += xr - pos
                parts.append(data)
                blen += len(data)
                keep.append(blen)  # where the template's bytes resume: "." line or record
                pos = xr
            parts.append(payload[pos - seq_rel:])
            buf = b"".join(parts)
            # MSS-sized segments; a boundary never splits the 5 bytes around an insertion
            # point (CRLF "." CRLF: tshark 4.0 misses an end of DATA split across segments)
            cuts, c = [0], 0
            while len(buf) - c > segmax:
                b = c + segmax
                for kp in keep:
                    if kp - 2 < b < kp + 3 and kp - 2 > c:
                        b = kp - 2
                cuts.append(b)
                c = b
            cuts.append(len(buf))
            nch = len(cuts) - 1
            # the other side's ACKs: its next seq (template) mapped
            oseq = isn[o] + nxt[o] + shift(o, nxt[o], k)
            owin = last_win[o] if last_win[o] is not None else win
            ometa = last_meta[o] if last_meta[o] is not None else ipmeta
            for j in range(nch):
                chunk = buf[cuts[j]:cuts[j + 1]]
                last = j == nch - 1
                fl = ACK | (flags & PSH if last else 0) | (flags & FIN if last else 0)
                tj = t + j * seg_gap
                out.append((tj, flow.tcp(d, ipmeta, seq, ack, fl, win, opts, chunk)))
                seq += len(chunk)
                if j & 1 and not last:
                    out.append((tj + ack_delay, flow.tcp(o, ometa, oseq, seq, ACK, owin, last_opts[o], b"")))
            t_end = t + (nch - 1) * seg_gap
            tshift += t_end - t
            last_t = t_end
        else:
            out.append((t, flow.tcp(d, ipmeta, seq, ack, flags, win, opts, payload, tpl.paysum[k])))
            last_t = t
        end = seq_rel + len(payload) + (1 if flags & (SYN | FIN) else 0)
        if ((end - nxt[d]) & 0xFFFFFFFF) < 0x80000000:
            nxt[d] = end
        last_win[d] = win
        last_meta[d] = ipmeta
        if not (flags & SYN):
            last_opts[d] = opts
    return out, sum(n for lst in ins.values() for _x, n, _k in lst)


def dns_flow(flow, t0, rng, serial):
    qid = rng.getrandbits(16)
    qtype = (1, 28, 15)[serial % 3]
    name = b"".join(bytes([len(lbl)]) + lbl for lbl in (b"mx%d" % (serial % 997), b"example", b"test")) + b"\0"
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", qtype, 1)
    if qtype == 1:
        rdata = bytes([192, 0, 2, serial % 250 + 1])
    elif qtype == 28:
        rdata = b"\x20\x01\x0d\xb8" + b"\0" * 10 + struct.pack(">H", serial % 65535 + 1)
    else:
        rdata = struct.pack(">H", 10) + b"\x02mx\xc0\x0c"
    ans = b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 300, len(rdata)) + rdata
    r = struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + name + struct.pack(">HH", qtype, 1) + ans
    rtt = 300 + rng.getrandbits(12)
    return [(t0, flow.udp(0, q)), (t0 + rtt, flow.udp(1, r))]


# --------------------------------------------------------------------------
class Generator:
    def __init__(self, args):
        self.a = args
        self.rng = random.Random(args.seed)
        self.templates = load_templates(args.pcaps)
        h = hashlib.sha256()
        for name in sorted({t.name for t in self.templates}):
            for ext in (".pcap", ".sessions.jsonl"):
                with open(os.path.join(args.pcaps, name + ext), "rb") as f:
                    h.update(name.encode() + ext.encode() + b"\0" + f.read())
        self.templates_sha256 = h.hexdigest()
        self.server_ips = sorted({(t.fam, t.server_ip) for t in self.templates})
        self.used = set()
        self.smtp_tpls = self.templates
        self.tls_bg = [t for t in self.templates if t.mode == "implicit-tls" and t.tls_point(1)]
        self.plain_bg = [t for t in self.templates if t.mode == "plaintext" and t.data_points()]
        self.points = {}
        for t in self.templates:
            pts = {"data": t.data_points()}
            if t.mode in ("starttls", "implicit-tls"):
                pts["tls0"] = t.tls_point(0)
            if t.mode == "implicit-tls":
                pts["tls1"] = t.tls_point(1)
            self.points[id(t)] = pts

    # addresses
    def client_addr(self, fam):
        r = self.rng
        if fam == 4:
            return bytes([10, r.getrandbits(7), r.getrandbits(8), 1 + r.getrandbits(8) % 254])
        return bytes([0xFD, 0, 0, 0x0C]) + b"\0" * 4 + r.getrandbits(64).to_bytes(8, "big")

    def server_addr(self, fam, key, pool_base):
        idx = self.server_ips.index(key) if key in self.server_ips else 0
        j = 1 + self.rng.getrandbits(6)
        if fam == 4:
            return bytes([10, pool_base, idx, j])
        return bytes([0xFD, 0, 0x02, pool_base]) + b"\0" * 8 + bytes([0, idx, 0, j])

    def new_flow(self, fam, saddr, sport, proto=6):
        while True:
            caddr = self.client_addr(fam)
            cport = 32768 + self.rng.getrandbits(15) % 28232
            key = (caddr, cport, saddr, sport, proto)
            if key not in self.used:
                self.used.add(key)
                return Flow(fam, caddr, cport, saddr, sport, self.rng, proto)

    def size(self):
        lo, hi = self.a.min_kb * 1024, self.a.max_kb * 1024
        if hi <= 0:
            return 0
        return int(math.exp(math.log(lo) + self.rng.random() * (math.log(hi) - math.log(lo))))

    def smtp_session(self, t0, stretch):
        tpl = self.smtp_tpls[self.rng.getrandbits(32) % len(self.smtp_tpls)]
        pts = self.points[id(tpl)]
        inserts = {0: []}
        if self.a.max_kb > 0:
            for x, unit in pts["data"]:
                want = self.size()
                n = max(0, want - 300) // len(unit)
                if n:
                    inserts[0].append((x, unit * n))
            if pts.get("tls0") and not null_cipher(tpl.rec):
                x, pool = pts["tls0"]
                want = self.size()
                inserts[0].append((x, make_records(want, pool, self.rng.getrandbits(16))))
        saddr = self.server_addr(tpl.fam, (tpl.fam, tpl.server_ip), 200)
        flow = self.new_flow(tpl.fam, saddr, tpl.server_port)
        pk, grow = build_session(tpl, flow, t0, stretch, inserts, self.rng)
        return tpl, flow, pk, grow

    def bg_flow(self, t0, stretch, serial):
        r = self.rng.random()
        if r < 0.30 or not (self.tls_bg or self.plain_bg):
            fam = 4
            flow = self.new_flow(fam, bytes([10, 220, 0, 53 + (serial % 4)]), 53, proto=17)
            return "udp/53", dns_flow(flow, t0, self.rng, serial)
        if r < 0.85 and self.tls_bg:
            tpl = self.tls_bg[self.rng.getrandbits(32) % len(self.tls_bg)]
            port = 443 if r < 0.75 else 993
            x, pool = self.points[id(tpl)]["tls1"]
            data = make_records(int(self.size() * 2.5), pool, self.rng.getrandbits(16))
            inserts = {1: [(x, data)]}
        else:
            tpl = self.plain_bg[self.rng.getrandbits(32) % len(self.plain_bg)]
            port = 80
            inserts = {0: []}
            for x, unit in self.points[id(tpl)]["data"]:
                n = max(0, self.size() - 300) // len(unit)
                if n:
                    inserts[0].append((x, unit * n))
        saddr = self.server_addr(tpl.fam, (tpl.fam, tpl.server_ip), 210)
        flow = self.new_flow(tpl.fam, saddr, port)
        return "tcp/%d" % port, build_session(tpl, flow, t0, stretch, inserts, self.rng)[0]


class Expected:
    MODES = ("plaintext", "starttls", "implicit-tls", "starttls-failed", "implicit-tls-failed", "unknown")

    def __init__(self):
        self.modes = {m: 0 for m in self.MODES}
        self.offered = 0
        self.ciphers = {}
        self.cipher_unknown = 0
        self.versions = {}
        self.version_unknown = 0
        self.envelope = 0
        self.auth = 0
        self.packets = 0
        self.bytes = 0

    def add(self, rec):
        self.modes[rec["mode"]] += 1
        if rec.get("starttls_offered") is True:
            self.offered += 1
        if rec["mode"] in ("starttls", "implicit-tls"):
            if rec.get("cipher_id"):
                key = rec["cipher_id"]
                c = self.ciphers.setdefault(key, {"id": key, "name": rec.get("cipher") or rec.get("cipher_iana") or key,
                                                  "iana": rec.get("cipher_iana"), "count": 0})
                c["count"] += 1
            else:
                self.cipher_unknown += 1
            if rec.get("tls_version"):
                self.versions[rec["tls_version"]] = self.versions.get(rec["tls_version"], 0) + 1
            else:
                self.version_unknown += 1
        leaked = rec.get("leaked") or []
        if any(v in leaked for v in ("MAIL", "RCPT", "DATA", "BDAT")):
            self.envelope += 1
        if "AUTH" in leaked:
            self.auth += 1

    def json(self):
        total = sum(self.modes.values())
        enc = self.modes["starttls"] + self.modes["implicit-tls"]
        sess = {"total": total}
        sess.update({m.replace("-", "_"): n for m, n in self.modes.items()})
        return {
            "sessions": sess,
            "starttls_offered": self.offered,
            "encrypted": enc,
            "encrypted_percent": round(enc * 100.0 / total, 1) if total else None,
            "ciphers": sorted(self.ciphers.values(), key=lambda c: (-c["count"], c["name"])),
            "cipher_unknown": self.cipher_unknown,
            "versions": [{"name": v, "count": n}
                         for v, n in sorted(self.versions.items(), key=lambda kv: (-kv[1], kv[0]))],
            "version_unknown": self.version_unknown,
            "leaks": {"envelope": self.envelope, "auth": self.auth},
            "packets": self.packets,
            "bytes": self.bytes,
        }


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb", buffering=0)
        self.h = hashlib.sha256()
        self.buf = []
        self.nbuf = 0
        self.packets = 0
        self.bytes = 0
        self._put(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

    def _put(self, b):
        self.buf.append(b)
        self.nbuf += len(b)
        if self.nbuf >= 1 << 22:
            self.flush()

    def flush(self):
        data = b"".join(self.buf)
        self.f.write(data)
        self.h.update(data)
        self.buf, self.nbuf = [], 0

    def packet(self, t, frame):
        n = len(frame)
        self._put(struct.pack("<IIII", t // 1000000, t % 1000000, n, n) + frame)
        self.packets += 1
        self.bytes += 16 + n

    def close(self):
        self.flush()
        self.f.close()
        return self.h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/smtptls-bench/big.pcap", help="output pcap (default %(default)s)")
    ap.add_argument("--expected", help="expected summary (default: OUT without .pcap + .EXPECTED.json)")
    ap.add_argument("--truth", help="also write one JSON line per generated SMTP session (its 4-tuple and template record)")
    ap.add_argument("--sessions", type=int, help="SMTP sessions (default %d x --scale)" % DEFAULT_SESSIONS)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the default session count (4 = a 4x file)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-kb", type=float, default=None, help="smallest message (default 2)")
    ap.add_argument("--max-kb", type=float, default=None, help="largest message (default 100); 0: messages not grown")
    ap.add_argument("--background", type=float, default=None,
                    help="fraction of all packets that are non-SMTP background (default 0.333)")
    ap.add_argument("--open", type=int, default=300, help="about how many SMTP sessions are open at once (default 300)")
    ap.add_argument("--concurrent", type=int, default=0,
                    help="memory-test file: this many SMTP sessions all open at the same moment")
    ap.add_argument("--pcaps", default=os.path.join(REPO, "pcaps"), help="template captures (default: the repo's pcaps/)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    conc = a.concurrent
    if a.min_kb is None:
        a.min_kb = 2.0
    if a.max_kb is None:
        a.max_kb = 0.0 if conc else 100.0
    if a.max_kb and a.min_kb > a.max_kb:
        ap.error("--min-kb > --max-kb")
    if a.background is None:
        a.background = 0.0 if conc else 0.333
    if not 0 <= a.background < 0.9:
        ap.error("--background must be in [0, 0.9)")
    nsess = a.sessions if a.sessions is not None else (conc or int(round(DEFAULT_SESSIONS * a.scale)))
    if nsess <= 0:
        ap.error("no sessions")
    expected_path = a.expected or (a.out[:-5] if a.out.endswith(".pcap") else a.out) + ".EXPECTED.json"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)) or ".", exist_ok=True)

    started = time.time()
    g = Generator(a)
    rng = g.rng
    exp = Expected()
    w = Writer(a.out)
    truth = open(a.truth, "w") if a.truth else None
    mean_dur = sum(t.duration for t in g.templates) / len(g.templates) * 20  # mean stretch 20
    interval = mean_dur / max(1, a.open)
    t_base = 1767571200 * 1000000  # 2026-01-05 00:00:00 UTC
    heap = []
    serial = 0
    smtp_pk = 0
    bg_pk = 0
    bg_kinds = {}
    ratio = a.background / (1 - a.background) if a.background else 0.0
    open_now = 0
    max_open = 0
    sum_open = 0
    grown = 0
    last_t = 0
    conc_mid = t_base + conc * 20 + 2000000  # --concurrent: second halves start here

    def push(pk, is_smtp):
        nonlocal serial
        serial += 1
        heapq.heappush(heap, (pk[0][0], serial, 0, pk, is_smtp))

    def drain(until):
        nonlocal open_now, last_t
        while heap and heap[0][0] <= until:
            t, s, i, pk, is_smtp = heap[0]
            if t < last_t:
                raise AssertionError("time went backwards")
            last_t = t
            w.packet(t, pk[i][1])
            if i + 1 < len(pk):
                heapq.heapreplace(heap, (pk[i + 1][0], s, i + 1, pk, is_smtp))
            else:
                heapq.heappop(heap)
                if is_smtp:
                    open_now -= 1

    t = t_base
    progress_next = time.time() + 10
    for n in range(nsess):
        if conc:
            t = t_base + n * 20
            stretch = 0.2
        else:
            t += max(1, int(rng.expovariate(1.0) * interval))
            stretch = 10 + rng.random() * 20
        drain(t)
        tpl, flow, pk, grow = g.smtp_session(t, stretch)
        if conc:
            h = len(pk) // 2
            pk = pk[:h] + [(tt - t_base + conc_mid, fr) for tt, fr in pk[h:]]
        grown += grow
        exp.add(tpl.rec)
        exp.packets += len(pk)
        exp.bytes += sum(len(fr) for _tt, fr in pk)
        smtp_pk += len(pk)
        if truth:
            rec = dict(tpl.rec)
            rec.update(template=tpl.name, client=ntop(flow.fam, flow.addr[0]), client_port=flow.port[0],
                       server=ntop(flow.fam, flow.addr[1]), server_port=flow.port[1], grown_bytes=grow)
            truth.write(json.dumps(rec) + "\n")
        push(pk, True)
        open_now += 1
        max_open = max(max_open, open_now)
        sum_open += open_now
        while ratio and bg_pk < smtp_pk * ratio:
            tb = t + int(rng.random() * interval)
            kind, bpk = g.bg_flow(tb, 10 + rng.random() * 20, serial)
            bg_kinds[kind] = bg_kinds.get(kind, 0) + 1
            bg_pk += len(bpk)
            push(bpk, False)
        if not a.quiet and time.time() > progress_next:
            progress_next = time.time() + 10
            print("  %d/%d sessions, %d packets, %.0f MB written" % (n + 1, nsess, w.packets, w.bytes / 1e6),
                  file=sys.stderr)
    drain(float("inf"))
    sha = w.close()
    if truth:
        truth.close()
    elapsed = time.time() - started
    size = os.path.getsize(a.out)
    e = exp.json()
    e["generator"] = {
        "file": os.path.abspath(a.out),
        "sha256": sha,
        "size": size,
        "packets": w.packets,
        "smtp_packets": smtp_pk,
        "background_packets": bg_pk,
        "background_flows": bg_kinds,
        "max_open_smtp_sessions": max_open,
        "mean_open_smtp_sessions": round(sum_open / nsess, 1),
        "concurrent": conc or None,
        "message_bytes_added": grown,
        "capture_seconds": round((last_t - t_base) / 1e6, 3),
        "args": {k: v for k, v in sorted(vars(a).items()) if k not in ("out", "expected", "truth", "quiet", "pcaps")},
        "templates": len(g.templates),
        "templates_sha256": g.templates_sha256,
        "generation_seconds": round(elapsed, 1),
    }
    with open(expected_path, "w") as f:
        json.dump(e, f, indent=1)
        f.write("\n")
    s = e["sessions"]
    print("wrote %s: %.1f MB (%d bytes), %d packets (%d SMTP, %d background = %.1f%%), capture %.1f s"
          % (a.out, size / 1e6, size, w.packets, smtp_pk, bg_pk, 100.0 * bg_pk / max(1, w.packets),
             e["generator"]["capture_seconds"]))
    print("SMTP sessions: %d (plaintext %d, starttls %d, implicit_tls %d, starttls_failed %d, implicit_tls_failed %d);"
          " background flows: %s" % (s["total"], s["plaintext"], s["starttls"], s["implicit_tls"],
                                     s["starttls_failed"], s["implicit_tls_failed"],
                                     ", ".join("%s %d" % kv for kv in sorted(bg_kinds.items())) or "none"))
    print("SMTP sessions open at once: %.0f on average (seen by each new one), at most %d; "
          "%.1f MB of message bytes added; %d templates from %s"
          % (sum_open / nsess, max_open, grown / 1e6, len(g.templates), a.pcaps))
    print("expected summary: %s" % expected_path)
    print("generation: %.1f s" % elapsed)
    print("sha256 %s  %s" % (sha, a.out))


if __name__ == "__main__":
    main()
