#!/usr/bin/env python3
"""Bad input gets a clear one-line error and a documented exit status, and
what was decoded before the damage is still reported.

usage: check_inputs.py SMTPTLS PCAPS_DIR
"""
import json
import os
import pty
import struct
import subprocess
import sys
import tempfile

failures = []


def run(smtptls, *args):
    p = subprocess.run([smtptls] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def expect(what, smtptls, args, status, stderr_has=None, stdout_check=None):
    rc, out, err = run(smtptls, *args)
    lines = err.strip().splitlines()
    ok = rc == status
    ok = ok and (status == 0 or (len(lines) == 1 and lines[0].startswith("smtptls: ")))
    if stderr_has and (not lines or stderr_has not in lines[-1]):
        ok = False
    if stdout_check and not stdout_check(out):
        ok = False
    print("%s %-44s exit %d  %s" % ("ok  " if ok else "FAIL", what, rc, lines[-1] if lines else ""))
    if not ok:
        failures.append(what)


def summary_sessions(out):
    try:
        return json.loads(out)["sessions"]["total"]
    except (ValueError, KeyError):
        return -1


def check(what, ok, detail=""):
    print("%s %-44s %s" % ("ok  " if ok else "FAIL", what, detail))
    if not ok:
        failures.append(what)


def compressed_inputs(smtptls, pcaps, d, write, full):
    """Truncated and damaged gzip, xz and zstd data: status 4, what came before
    reported; too short to hold a capture header: status 2; bzip2: a clear 2."""
    good = os.path.join(pcaps, "mixed.pcap")
    for ext, tool in (("gz", ["gzip", "-c"]), ("xz", ["xz", "-c"]), ("zst", ["zstd", "-q", "-c"])):
        comp = subprocess.run(tool + [good], capture_output=True, check=True).stdout
        cut = write("cut." + ext, comp[:len(comp) * 2 // 3])
        expect("truncated %s (partial report)" % ext, smtptls, ["-r", cut, "--json"], 4,
               "truncated %s data" % {"gz": "gzip", "zst": "zstd"}.get(ext, ext),
               lambda out: 0 < summary_sessions(out) < full)
        # The last bytes missing (gzip's CRC and length, xz's index, zstd's
        # checksum): every packet is there, but the end is not, and says so.
        expect("%s without its last 4 bytes" % ext, smtptls,
               ["-r", write("end." + ext, comp[:-4]), "--json"], 4, "truncated")
        bad = bytearray(comp)
        bad[len(bad) // 2] ^= 0xFF
        expect("damaged %s (partial report)" % ext, smtptls,
               ["-r", write("bad." + ext, bytes(bad)), "--json"], 4, "damaged",
               lambda out: summary_sessions(out) >= 0)
        expect("%s too short for a capture header" % ext, smtptls,
               ["-r", write("tiny." + ext, comp[:12])], 2, "truncated")
        p = subprocess.run([smtptls, "-r", "-", "--json"], input=comp[:len(comp) * 2 // 3],
                           capture_output=True)
        err = p.stderr.decode().strip()
        check("truncated %s on standard input" % ext,
              p.returncode == 4 and err.startswith("smtptls: standard input: truncated")
              and 0 < summary_sessions(p.stdout.decode()) < full, err)
    bz = subprocess.run(["bzip2", "-c", good], capture_output=True)
    if bz.returncode == 0:
        expect("bzip2 (not read, said so)", smtptls, ["-r", write("m.bz2", bz.stdout)], 2,
               "compressed with bzip2")
    rc, out, _ = run(smtptls, "--version")
    check("--version names zlib, liblzma, libzstd",
          rc == 0 and all(("\n%s " % lib) in out for lib in ("zlib", "liblzma", "libzstd")))


def pcap_records(path):
    """(link type, [(ts_sec, ts_usec, caplen, len, bytes)]) of a little-endian pcap."""
    with open(path, "rb") as f:
        data = f.read()
    linktype = struct.unpack("<I", data[20:24])[0]
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack("<IIII", data[off:off + 16])
        out.append((sec, usec, caplen, wirelen, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return linktype, out


def pcapng(blocks):
    """A pcapng section: SHB, then blocks given as ("idb", linktype, snaplen) or
    ("epb", interface, record)."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for b in blocks:
        if b[0] == "idb":
            out += block(1, struct.pack("<HHI", b[1], 0, b[2]))
        else:
            sec, usec, caplen, wirelen, data = b[2]
            ts = sec * 1000000 + usec
            out += block(6, struct.pack("<IIIII", b[1], ts >> 32, ts & 0xFFFFFFFF, caplen,
                                        wirelen) + data)
    return out


def pcapng_interfaces(smtptls, pcaps, write):
    """libpcap 1.10 reads a pcapng only while all interfaces have the first's
    link type and snapshot length: a clear line and status 2, not 'damaged'."""
    lt_eth, eth = pcap_records(os.path.join(pcaps, "plain-offered.pcap"))
    lt_sll2, sll2 = pcap_records(os.path.join(pcaps, "edited", "sll2.pcap"))
    assert (lt_eth, lt_sll2) == (1, 276)
    # Each alone is readable: the file is sound.
    one = write("one-if.pcapng", pcapng([("idb", 1, 262144)] + [("epb", 0, r) for r in eth]))
    expect("pcapng, one interface", smtptls, ["-r", one, "--json"], 0, None,
           lambda out: summary_sessions(out) == 1)
    # mergecap's layout: every interface described before the first packet.
    both = pcapng([("idb", 1, 262144), ("idb", 276, 262144)] + [("epb", 0, r) for r in eth]
                  + [("epb", 1, r) for r in sll2])
    expect("pcapng, two link types up front", smtptls,
           ["-r", write("two-lt.pcapng", both), "--json"], 2,
           "interfaces have different link types (EN10MB, then LINUX_SLL2)",
           lambda out: summary_sessions(out) == 0)
    # A second interface after packets: those before it are reported.
    later = pcapng([("idb", 1, 262144)] + [("epb", 0, r) for r in eth]
                   + [("idb", 276, 262144)] + [("epb", 1, r) for r in sll2])
    expect("pcapng, a link type added later (partial)", smtptls,
           ["-r", write("later-lt.pcapng", later), "--json"], 2, "editcap -F pcap -T ENCAP",
           lambda out: summary_sessions(out) == 1)
    snap = pcapng([("idb", 1, 262144), ("idb", 1, 96)] + [("epb", 0, r) for r in eth])
    expect("pcapng, two snapshot lengths", smtptls,
           ["-r", write("two-snap.pcapng", snap), "--json"], 2,
           "different snapshot lengths (262144, then 96)")


def files_out_of_order(smtptls, pcaps):
    """Files are read in the order given; one that starts before what was read
    ahead of it ends gets one warning line, and the run goes on."""
    a = os.path.join(pcaps, "mixed.pcap")          # the earlier capture
    b = os.path.join(pcaps, "starttls-retry.pcap")  # days later
    p = subprocess.run([smtptls, "-r", a, "-r", b, "--json"], capture_output=True, text=True)
    check("files in time order: no warning", p.returncode == 0 and p.stderr == "", p.stderr)
    p = subprocess.run([smtptls, "-r", b, "-r", a, "--json"], capture_output=True, text=True)
    lines = p.stderr.splitlines()
    check("files out of time order: one warning line",
          p.returncode == 0 and len(lines) == 1
          and lines[0].startswith("smtptls: warning: %s starts at " % a)
          and "files are read in the order given" in lines[0], p.stderr.strip())


def late_options(smtptls, good):
    expect("an option after the filter expression", smtptls,
           ["-r", good, "tcp port 25", "--json"], 1,
           "'--json' comes after the filter expression: options go before the filter expression")


def widest_line(smtptls, capture, columns, tty):
    """The widest line of the text report, standard output a terminal or a pipe."""
    env = dict(os.environ, COLUMNS=str(columns))
    cmd = [smtptls, "-r", capture, "--home-net", "127.0.0.0/29"]
    if not tty:
        out = subprocess.run(cmd, capture_output=True, env=env).stdout
    else:
        master, slave = pty.openpty()
        p = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        p.wait()
    lines = out.decode("utf-8", "replace").replace("\r\n", "\n").splitlines()
    return max((len(l) for l in lines), default=0)


def main():
    smtptls, pcaps = sys.argv[1], sys.argv[2]
    good = os.path.join(pcaps, "mixed.pcap")
    with open(good, "rb") as f:
        data = f.read()
    d = tempfile.mkdtemp(prefix="smtptls-inputs-")

    def write(name, content):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(content)
        return path

    # Where the first packet record starts and how long it is (little-endian pcap).
    caplen0 = struct.unpack("<I", data[32:36])[0]
    expect("missing file", smtptls, ["-r", os.path.join(d, "nope.pcap")], 2, "No such file")
    expect("a directory", smtptls, ["-r", d], 2)
    expect("empty file", smtptls, ["-r", write("empty.pcap", b"")], 2)
    expect("not a capture", smtptls, ["-r", write("text.pcap", b"HELO this is text\n" * 10)], 2)
    expect("truncated global header", smtptls, ["-r", write("hdr.pcap", data[:10])], 2)
    bad_lt = bytearray(data[:24 + 16 + caplen0])
    struct.pack_into("<I", bad_lt, 20, 4242)
    expect("unknown link type", smtptls, ["-r", write("lt.pcap", bytes(bad_lt))], 2,
           "unsupported link type")
    # Cut in the middle of a packet, two thirds in: everything before is reported.
    cut = write("cut.pcap", data[:len(data) * 2 // 3])
    full = summary_sessions(run(smtptls, "-r", good, "--json")[1])
    expect("truncated in the middle (partial report)", smtptls, ["-r", cut, "--json"], 4,
           "truncated", lambda out: 0 < summary_sessions(out) < full)
    # A record whose captured length exceeds the snapshot length, and an absurd one.
    for name, value in (("caplen above snaplen", 262144 + 100), ("absurd caplen", 0xFFFFFFF0)):
        b = bytearray(data)
        off = 24 + 16 + caplen0  # the second record
        struct.pack_into("<I", b, off + 8, value)
        expect(name + " (partial report)", smtptls, ["-r", write("bad.pcap", bytes(b)), "--json"],
               4, None, lambda out: summary_sessions(out) >= 0)
    expect("bad filter", smtptls, ["-r", good, "tcp", "port", "banana"], 3, "bad filter")
    expect("-r with -i", smtptls, ["-r", good, "-i", "lo"], 1)
    expect("nothing to read", smtptls, [], 1)
    expect("unknown option", smtptls, ["--frobnicate"], 1)
    expect("bad number", smtptls, ["-r", good, "--max-flows", "lots"], 1)
    # issue 11's options: a bad value is one line and status 1
    for what, args, msg in (
            ("--home-net past /32", ["--home-net", "10.0.0.0/33"], "--home-net: want a prefix"),
            ("--home-net not an address", ["--home-net", "mx.example.net"], "--home-net: not an"),
            ("--home-net empty element", ["--home-net", "10.0.0.0/8,"], "--home-net: an empty"),
            ("--fail-on unknown code", ["--fail-on", "leak,leaky"], "--fail-on: not a finding"),
            ("--fail-on empty", ["--fail-on", ""], "--fail-on: not a finding"),
            ("--bin without unit", ["--bin", "60"], "--bin: want a number"),
            ("--bin zero", ["--bin", "0h"], "--bin: want a number"),
            ("--bin past a year", ["--bin", "367d"], "--bin: want a number"),
            ("--sensor empty", ["--sensor", ""], "--sensor: want")):
        expect(what, smtptls, ["-r", good] + args, 1, msg)
    # --fail-on: the report, then status 6 with one line per code found
    p = subprocess.run([smtptls, "-r", good, "--fail-on", "leak,weak-cipher"], capture_output=True,
                       text=True)
    lines = p.stderr.splitlines()
    ok = (p.returncode == 6 and "Recommendations" in p.stdout and
          lines == ["smtptls: --fail-on: envelope-cleartext in 58 sessions",
                    "smtptls: --fail-on: auth-cleartext in 14 sessions"])
    print("%s %-44s exit %d  %s" % ("ok  " if ok else "FAIL", "--fail-on leak (found)", p.returncode,
                                    " | ".join(lines)))
    if not ok:
        failures.append("--fail-on found")
    expect("--fail-on not found", smtptls, ["-r", good, "--fail-on", "cert-expired", "--json"], 0,
           None, lambda out: summary_sessions(out) == full)
    # the text report's width: 100 columns, or $COLUMNS on a terminal (80 at least)
    for cols, tty, widest in ((132, True, (101, 132)), (80, True, (1, 80)), (40, True, (1, 80)),
                              (132, False, (1, 100))):
        got = widest_line(smtptls, good, cols, tty)
        ok = widest[0] <= got <= widest[1]
        what = "text width, COLUMNS=%d%s" % (cols, " on a terminal" if tty else " to a pipe")
        print("%s %-44s widest line %d" % ("ok  " if ok else "FAIL", what, got))
        if not ok:
            failures.append(what)
    expect("unwritable --sessions", smtptls,
           ["-r", good, "--sessions", os.path.join(d, "no", "such", "dir.jsonl")], 5)
    expect("--sessions /dev/full (the summary still out)", smtptls,
           ["-r", good, "--json", "--sessions", "/dev/full"], 5, "No space left on device",
           lambda out: summary_sessions(out) > 0)
    expect("unknown interface", smtptls, ["-i", "no-such-if0"], 2)
    expect("a good file after a missing one is not read", smtptls,
           ["-r", good, "-r", os.path.join(d, "nope.pcap")], 2)
    expect("a good capture", smtptls, ["-r", good, "--json"], 0, None,
           lambda out: summary_sessions(out) == full)
    p = subprocess.run([smtptls, "-r", "-", "--json"], input=data, capture_output=True)
    ok = p.returncode == 0 and summary_sessions(p.stdout.decode()) == full
    print("%s %-44s exit %d" % ("ok  " if ok else "FAIL", "-r - (standard input)", p.returncode))
    if not ok:
        failures.append("standard input")

    compressed_inputs(smtptls, pcaps, d, write, full)
    pcapng_interfaces(smtptls, pcaps, write)
    files_out_of_order(smtptls, pcaps)
    late_options(smtptls, good)

    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
