#!/usr/bin/env python3
"""TLS conformance over the public captures: for every TCP stream in the
"TLS handshake captures" tables of ../shared/pcaps/public/EXPECTED.md, the
negotiated version and cipher smtptls's TLS decoder reads must be the ones
stated there; where the source project (nDPI) states JA3C/JA3S fingerprints,
smtptls's must match too, except where listed in DISAGREE with the reason.

usage: check_tls.py TLS_STREAMS PUBLIC_DIR [--verbose]
"""
import json
import os
import re
import subprocess
import sys

# Streams where smtptls knowingly differs from a stated value, and why.
DISAGREE = {}

ROW = re.compile(r"^\| (\d+) \| (.+?) → (.+?) \| (.*?) \| (.*?) \| (.*?) \| (.*?) \| (.*?) \|$")
NDPI = re.compile(r"nDPI \([^)]*\): (\S+) <-> (\S+) ")
JA3C = re.compile(r"JA3C=([0-9a-f]{32})")
JA3S = re.compile(r"JA3S=([0-9a-f]{32})")


def endpoint(text):
    text = text.strip()
    m = re.match(r"^\[(.+)\]:(\d+)$", text) or re.match(r"^(.+):(\d+)$", text)
    return m.group(1), int(m.group(2))


def version_of(cell):
    cell = cell.strip()
    if not cell or cell.startswith("(not in"):
        return None
    tok = cell.split()[0]
    if tok == "TLSv1.0":
        return "TLSv1"
    m = re.match(r"^0x([0-9a-f]{4})$", tok)
    if m:
        v = int(m.group(1), 16)
        if v >> 8 in (0xFB, 0x7E):
            return "TLSv1.3-fb%d" % (v & 0xFF)
        return "0x%04X" % v
    return tok


def cipher_of(cell):
    m = re.search(r"0x([0-9a-f]{4,6})\b", cell)
    return ("0x" + m.group(1).upper()) if m else None


def parse_expected(path):
    streams, ja3 = [], {}
    current, in_tls = None, False
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("## "):
            in_tls = line.startswith("## TLS handshake captures")
        m = re.match(r"^#### `(.+)`", line)
        if m:
            current = m.group(1)
            continue
        m = ROW.match(line)
        if m and current and in_tls:
            c, s = endpoint(m.group(2)), endpoint(m.group(3))
            streams.append({"file": current, "client": c, "server": s,
                            "version": version_of(m.group(5)), "cipher": cipher_of(m.group(6)),
                            "text": m.group(5).strip() + " / " + m.group(6).strip()})
            continue
        m = NDPI.search(line)
        jc, js = JA3C.search(line), JA3S.search(line)
        if m and current and (jc or js):
            a, b = endpoint(m.group(1)), endpoint(m.group(2))
            ja3[(current, a, b)] = (jc.group(1) if jc else None, js.group(1) if js else None)
    return streams, ja3


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    tool, public = sys.argv[1], sys.argv[2]
    verbose = "--verbose" in sys.argv
    expected = os.path.join(public, "EXPECTED.md")
    if not os.path.exists(expected):
        print("skip: %s not found" % expected)
        return 77
    streams, ja3 = parse_expected(expected)
    records = {}
    for f in sorted({s["file"] for s in streams} | {k[0] for k in ja3}):
        out = subprocess.run([tool, os.path.join(public, f)], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            r = json.loads(line)
            records[(f, (r["client"], r["client_port"]), (r["server"], r["server_port"]))] = r
    fail = checked = ja3_checked = 0
    for s in streams:
        key = (s["file"], s["client"], s["server"])
        r = records.get(key)
        if r is None:  # the direction may be the other way round
            r = records.get((s["file"], s["server"], s["client"]))
        checked += 1
        got_v = r["tls_version"] if r else None
        got_c = r["cipher_id"] if r else None
        want = (s["version"], s["cipher"])
        got = (got_v, got_c)
        why = DISAGREE.get(key)
        if why:
            want = why[0]
        if got != want:
            fail += 1
            print("FAIL %s %s:%d -> %s:%d: expected %s (%s), got %s" %
                  (s["file"], s["client"][0], s["client"][1], s["server"][0], s["server"][1],
                   want, s["text"], got))
        elif verbose:
            print("ok   %s %s:%d %s" % (s["file"], s["client"][0], s["client"][1], got))
        for (f, a, b), (jc, js) in ja3.items():
            if f != s["file"] or {a, b} != {s["client"], s["server"]} or not r:
                continue
            ja3_checked += 1
            bad = []
            if jc and r.get("ja3") != jc:
                bad.append("JA3C nDPI %s, smtptls %s" % (jc, r.get("ja3")))
            if js and r.get("ja3s") != js:
                bad.append("JA3S nDPI %s, smtptls %s" % (js, r.get("ja3s")))
            if bad:
                fail += 1
                print("FAIL %s %s:%d: %s" % (f, a[0], a[1], "; ".join(bad)))
    # Fingerprints stated for sessions outside the TLS tables (STARTTLS ones).
    in_tables = {(s["file"], frozenset((s["client"], s["server"]))) for s in streams}
    for (f, a, b), (jc, js) in ja3.items():
        if (f, frozenset((a, b))) in in_tables:
            continue
        r = records.get((f, a, b)) or records.get((f, b, a))
        if not r:
            continue
        ja3_checked += 1
        if (jc and r.get("ja3") != jc) or (js and r.get("ja3s") != js):
            fail += 1
            print("FAIL %s %s:%d: JA3C/JA3S nDPI %s/%s, smtptls %s/%s" %
                  (f, a[0], a[1], jc, js, r.get("ja3"), r.get("ja3s")))
    print("%d TLS streams checked (%d with nDPI fingerprints), %d failed" %
          (checked, ja3_checked, fail))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
