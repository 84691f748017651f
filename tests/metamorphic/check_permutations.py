#!/usr/bin/env python3
"""Metamorphic test: for each capture, the session records of many seeded
rewrites (reordered within a window, duplicated, re-split; see pcapmix.py)
must equal those of the original. Fields that count packets or depend on the
last packet's time are left out: they change by construction. So are nDPI's
verdicts: nDPI classifies packet by packet without reassembly, and a segment
split or reordered differently changes what it says (SMTP becomes FTP_CONTROL,
risks come and go) -- smtptls's own fields must not move.

usage: check_permutations.py SMTPTLS SEEDS CAPTURE... [--window W]
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pcapmix  # noqa: E402

IGNORED = {"packets", "bytes", "end", "ndpi_protocol", "ndpi_risks"}


def records(smtptls, path):
    out = subprocess.run([smtptls, "-r", path, "--sessions", "-", "--json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("smtptls failed on %s: %s" % (path, out.stderr.strip()))
    recs = []
    for line in out.stdout.splitlines():
        if line.startswith('{"start"'):
            r = json.loads(line)
            for k in IGNORED:
                r.pop(k, None)
            recs.append(r)
    return sorted(recs, key=lambda r: (r["start"], r["client"], r["client_port"]))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--window")]
    window = 4
    for a in sys.argv[1:]:
        if a.startswith("--window="):
            window = int(a.split("=", 1)[1])
    if len(args) < 3:
        print(__doc__)
        return 2
    smtptls, seeds, captures = args[0], int(args[1]), args[2:]
    failures = 0
    import random
    with tempfile.TemporaryDirectory() as tmp:
        for cap in captures:
            base = records(smtptls, cap)
            endian, header, linktype, packets = pcapmix.read_pcap(cap)
            for seed in range(seeds):
                rng = random.Random(seed)
                mixed = pcapmix.mix(linktype, packets, rng, window, 0.05, 0.2)
                path = os.path.join(tmp, "mixed.pcap")
                pcapmix.write_pcap(path, endian, header, mixed)
                got = records(smtptls, path)
                if got != base:
                    failures += 1
                    keep = os.path.join(tmp, "..", "pcapmix-%s-seed%d.pcap" %
                                        (os.path.basename(cap), seed))
                    pcapmix.write_pcap(keep, endian, header, mixed)
                    print("FAIL %s seed %d (kept as %s)" % (cap, seed, os.path.abspath(keep)))
                    for a, b in zip(base, got):
                        if a != b:
                            for k in a:
                                if a.get(k) != b.get(k):
                                    print("   %s:%s %s: %s -> %s" % (a["client"], a["client_port"],
                                          k, json.dumps(a.get(k)), json.dumps(b.get(k))))
                    if len(base) != len(got):
                        print("   %d records -> %d" % (len(base), len(got)))
            print("%s: %d seeds, window %d" % (os.path.basename(cap), seeds, window))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
