#!/usr/bin/env python3
"""Cut seed inputs for the fuzz harnesses out of packet captures.

    fuzz/make_seeds.py OUTDIR CAPTURE...

writes OUTDIR/<target>/<name> for the targets tls, smtp, reasm, packet and
pipeline (see fuzz/README.md for each input format). Streams come from
tshark's "follow,tcp,raw"; captures in pcapng are turned into pcap with
editcap first. The result is raw material: minimise it with libFuzzer's
-merge=1 into fuzz/corpus/ (scripts/fuzz.sh --merge does).
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SEP = b"\xF0\x9F\x94\x80"
SMTP_PORTS = {25, 465, 587, 2525}
MAX_LEN = {"tls": 32768, "smtp": 16384, "reasm": 16384, "packet": 4096, "pipeline": 65536}
# Seeds are cut shorter than the fuzzers' -max_len to keep the corpus small.
SEED_LEN = {"tls": 12288, "smtp": 8192, "reasm": 8192, "packet": 2048, "pipeline": 16384}

# decode/link.c's supported link types in ascending order: fuzz_packet.c's
# first byte is an index into this list.
LINK_TYPES = [0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 239, 276]


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def write(outdir, target, data, tag):
    data = data[: SEED_LEN[target]]
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    name = "%s-%s" % (tag, hashlib.sha1(data).hexdigest()[:12])
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def as_pcap(path, tmp):
    """A classic pcap copy (editcap) when the capture is pcapng."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"\x0a\x0d\x0d\x0a":
        out = os.path.join(tmp, os.path.basename(path) + ".pcap")
        run("editcap", "-F", "pcap", path, out)
        return out
    return path


def pcap_frames(path):
    """(linktype, [frame bytes]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    frames, at = [], 24
    while at + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[at : at + 16])
        at += 16
        frames.append(data[at : at + incl])
        at += incl
    return linktype, frames


def stream_ids(path):
    out = run("tshark", "-r", path, "-Y", "tcp", "-T", "fields", "-e", "tcp.stream")
    return sorted({int(x) for x in out.split() if x.strip().isdigit()})


def follow(path, sid):
    """Turns of one TCP stream: (server_port, [(dir, bytes)]), dir 0 = node 0."""
    out = run("tshark", "-r", path, "-q", "-z", "follow,tcp,raw,%d" % sid).decode()
    ports, turns = [], []
    for line in out.splitlines():
        m = re.match(r"Node [01]: .*:(\d+)$", line)
        if m:
            ports.append(int(m.group(1)))
            continue
        if not line.strip() or line.startswith(("=", "Follow", "Filter")):
            continue
        d = 1 if line.startswith("\t") else 0
        try:
            b = bytes.fromhex(line.strip())
        except ValueError:
            continue
        if turns and turns[-1][0] == d:
            turns[-1] = (d, turns[-1][1] + b)
        else:
            turns.append((d, b))
    server_port = ports[1] if len(ports) > 1 else 0
    return server_port, turns


def chunks(turns):
    """Alternating client/server chunks joined by the separator."""
    out, want = [], 0
    for d, b in turns:
        if d != want:
            out.append(b"")
            want ^= 1
        out.append(b)
        want ^= 1
    return SEP.join(out)


def is_tls_start(b):
    return len(b) >= 3 and ((b[0] == 0x16 and b[1] == 3) or (b[0] & 0x80 and b[2] in (1, 4)))


def tls_part(turns):
    """The turns from the client's first TLS hello on (STARTTLS or implicit)."""
    for i, (d, b) in enumerate(turns):
        if d == 0 and is_tls_start(b):
            return turns[i:]
        if d == 0 and b.rstrip().upper().endswith(b"STARTTLS"):
            # The server's 220, then the client's hello in its next turn.
            for j in range(i + 1, len(turns)):
                if turns[j][0] == 0 and is_tls_start(turns[j][1]):
                    return turns[j:]
            return []
    return []


def reasm_seed(path, sid):
    """One stream's segments as fuzz_reasm.c descriptors (running positions)."""
    out = run("tshark", "-r", path, "-Y", "tcp.stream == %d" % sid, "-T", "fields",
              "-e", "tcp.srcport", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw",
              "-e", "tcp.flags.syn", "-e", "tcp.flags.fin", "-e", "tcp.flags.ack",
              "-e", "tcp.len", "-e", "tcp.payload", "-E", "occurrence=f").decode()
    rows = [r.split("\t") for r in out.splitlines() if r.strip()]
    if not rows:
        return None
    client_port = int(rows[0][0])
    isn, pos = [None, None], [None, None]
    segs = b""
    for r in rows:
        r += [""] * (8 - len(r))
        sport, seq, ack, syn, fin, hasack, tlen, payload = r[:8]
        d = 0 if int(sport) == client_port else 1
        seq, ack = int(seq or 0), int(ack or 0)
        syn, fin, hasack = syn in ("1", "True"), fin in ("1", "True"), hasack in ("1", "True")
        data = bytes.fromhex(payload.replace(":", "")) if payload else b""
        wire = int(tlen or 0)
        if isn[d] is None:
            isn[d] = pos[d] = seq
        flags = d | (2 if syn else 0) | (4 if fin else 0) | (128 if hasack else 0)
        delta = (seq - pos[d] + 2**31) % 2**32 - 2**31
        if not -32768 <= delta <= 32767:
            flags |= 64  # from the initial number
            delta = (seq - isn[d] + 2**31) % 2**32 - 2**31
            if not -32768 <= delta <= 32767:
                delta = max(-32768, min(32767, delta // 4096))
                flags |= 8
        peer = pos[d ^ 1] if pos[d ^ 1] is not None else ack
        ackd = (ack - peer + 2**31) % 2**32 - 2**31
        ackd = max(-32768, min(32767, ackd))
        extra = max(0, wire - len(data))
        if extra > 0xFFFF:
            flags |= 16
            extra = min(0xFFFF, extra >> 8)
        data = data[:0xFFFF]
        segs += struct.pack(">BhHHh", flags, delta, len(data), extra, ackd) + data
        pos[d] = (seq + (1 if syn else 0) + wire) % 2**32
    return struct.pack(">II", isn[0] or 0, isn[1] or 0) + segs


def pcap_header(linktype=1, snaplen=65535, magic=0xA1B2C3D4, endian="<"):
    return struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(data, caplen=None, wirelen=None, ts=1700000000, endian="<"):
    caplen = len(data) if caplen is None else caplen
    wirelen = len(data) if wirelen is None else wirelen
    return struct.pack(endian + "IIII", ts, 0, caplen, wirelen) + data


def malformed(outdir):
    """Damaged capture files for the pipeline target."""
    eth = bytes(6) + bytes(5) + b"\x01" + b"\x08\x00"
    ip = bytes.fromhex("4500002c0001400040060000c0000201c0000202")
    syn = struct.pack(">HHIIBBHHH", 40000, 25, 1000, 0, 0x50, 0x02, 65535, 0, 0)
    frame = eth + ip + syn
    good = pcap_header() + pcap_record(frame)
    cases = {
        "hdr-truncated": good[:12],
        "record-truncated": good + pcap_record(frame)[:30],
        "record-header-truncated": good + pcap_record(frame)[:10],
        "caplen-over-snaplen": pcap_header(snaplen=40) + pcap_record(frame),
        "caplen-absurd": pcap_header() + struct.pack("<IIII", 0, 0, 0xFFFFFFF0, 0xFFFFFFF0) + frame,
        "wirelen-below-caplen": pcap_header() + pcap_record(frame, wirelen=20),
        "wirelen-absurd": pcap_header() + pcap_record(frame, wirelen=0xFFFFFFFF),
        "snaplen-zero": pcap_header(snaplen=0) + pcap_record(frame),
        "linktype-unknown": pcap_header(linktype=147) + pcap_record(frame),
        "linktype-raw": pcap_header(linktype=101) + pcap_record(ip + syn),
        "big-endian": pcap_header(endian=">") + pcap_record(frame, endian=">"),
        "nanosecond": pcap_header(magic=0xA1B23C4D) + pcap_record(frame),
        "ts-negative": pcap_header() + pcap_record(frame, ts=0xFFFFFFFF),
        "zero-length-record": good + pcap_record(b""),
        "pcapng-truncated": bytes.fromhex("0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff"),
    }
    for name, data in cases.items():
        write(outdir, "pipeline", data, "malformed-" + name)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    tmp = tempfile.mkdtemp()
    malformed(outdir)
    try:
        for path in sys.argv[2:]:
            tag = re.sub(r"[^A-Za-z0-9]+", "_", os.path.splitext(os.path.basename(path))[0])
            p = as_pcap(path, tmp)
            linktype, frames = pcap_frames(p)
            if linktype in LINK_TYPES:
                # A few frames: the first ones (handshake) and the largest.
                pick = frames[:4] + sorted(frames, key=len)[-2:]
                for fr in pick:
                    write(outdir, "packet", bytes([LINK_TYPES.index(linktype)]) + fr, tag)
            if os.path.getsize(path) <= SEED_LEN["pipeline"]:
                with open(path, "rb") as f:
                    write(outdir, "pipeline", f.read(), tag)
            for sid in stream_ids(p)[:8]:
                port, turns = follow(p, sid)
                if not turns:
                    continue
                if port in SMTP_PORTS or any(b[:4].upper() in (b"EHLO", b"HELO") for _, b in turns):
                    write(outdir, "smtp", b"\x01\x00" + chunks(turns), tag)
                    write(outdir, "smtp", b"\x00\x37" + chunks(turns[1:]), tag + "-mid")
                t = tls_part(turns)
                if t:
                    write(outdir, "tls", b"\x00" + chunks(t), tag)
                r = reasm_seed(p, sid)
                if r:
                    write(outdir, "reasm", r, tag)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
