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

    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
