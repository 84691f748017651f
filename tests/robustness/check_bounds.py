#!/usr/bin/env python3
"""Resource bounds, scaled down for CI (bench/bounds.sh runs them at full
size): memory stays bounded and flat, caps are counted, time grows
linearly. Each scenario's capture comes from synth.py.

usage: check_bounds.py SMTPTLS [--full]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import synth  # noqa: E402

FULL = "--full" in sys.argv
failures = []


def run(smtptls, pcap, *args):
    """Summary JSON, session records and wall time of one run."""
    out = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False)
    out.close()
    t0 = time.time()
    proc = subprocess.run([smtptls, "-r", pcap, "--json", "--sessions", out.name] + list(args),
                          capture_output=True)
    stdout, stderr, status = proc.stdout, proc.stderr, proc.returncode
    wall = time.time() - t0
    if status != 0:
        failures.append("%s: exit %d: %s" % (os.path.basename(pcap), status, stderr.decode()))
    with open(out.name) as f:
        records = [json.loads(l) for l in f if l.strip()]
    os.unlink(out.name)
    return json.loads(stdout), records, wall


def measured(smtptls, pcap, *args):
    """Like run, with the peak RSS and CPU time from wait4."""
    t0 = time.time()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.execv(smtptls, [smtptls, "-r", pcap, "--json"] + list(args))
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        failures.append("%s: status %d" % (os.path.basename(pcap), status))
    return usage.ru_maxrss, usage.ru_utime + usage.ru_stime, time.time() - t0


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main():
    smtptls = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="smtptls-bounds-")
    scale = 5 if FULL else 1  # a million SYNs at full size
    bulk_mb = 1024 if FULL else 64  # a gigabyte after STARTTLS, and of DATA

    # A SYN flood from distinct flows: the table stays at its cap, the rest is evicted.
    n, cap = 200000 * scale, 2000
    p = os.path.join(tmp, "syns.pcap")
    synth.syns(n, p)
    summary, _, _ = run(smtptls, p, "--max-flows", str(cap))
    rss, cpu, _ = measured(smtptls, p, "--max-flows", str(cap))
    c = summary["capture"]
    check(c["flows"] == n and c["flows_without_payload"] == n,
          "%d SYNs: %d flows seen, all without payload" % (n, c["flows"]))
    check(c["flows_evicted"] == n - cap, "SYN flood: %d evictions counted (want %d)" %
          (c["flows_evicted"], n - cap))
    check(rss < 48 * 1024, "SYN flood: peak RSS %d KiB under 48 MiB" % rss)
    check(summary["sessions"]["total"] == 0, "SYN flood: the report still comes out, no sessions")

    # Bulk after STARTTLS and in DATA: memory does not grow with bytes.
    for kind in ("tls-bulk", "data-bulk"):
        small, big = os.path.join(tmp, kind + "-s.pcap"), os.path.join(tmp, kind + "-b.pcap")
        getattr(synth, kind.replace("-", "_"))(8, small)
        getattr(synth, kind.replace("-", "_"))(bulk_mb, big)
        rs, _, _ = measured(smtptls, small)
        rb, _, _ = measured(smtptls, big)
        summary, recs, _ = run(smtptls, big)
        want = "starttls" if kind == "tls-bulk" else "plaintext"
        check(len(recs) == 1 and recs[0]["mode"] == want,
              "%s: one %s session" % (kind, want))
        check(rb - rs < 4 * 1024, "%s: peak RSS %d KiB for 8 MB, %d KiB for %d MB (flat)" %
              (kind, rs, rb, bulk_mb))

    # A 10 MB reply line without CRLF: kept to the line cap, counted.
    p = os.path.join(tmp, "long-line.pcap")
    synth.long_line(10, p)
    summary, recs, _ = run(smtptls, p)
    rss, _, _ = measured(smtptls, p)
    check(len(recs) == 1 and recs[0]["anomalies"].get("smtp-line-too-long", 0) >= 1,
          "10 MB line: truncation counted")
    check(rss < 48 * 1024, "10 MB line: peak RSS %d KiB" % rss)

    # An endless multi-line reply and 100,000 pipelined commands: linear time,
    # bounded queue, the overflow counted.
    times = {}
    for n in (100000 * scale, 400000 * scale):
        p = os.path.join(tmp, "multiline-%d.pcap" % n)
        synth.multiline(n, p)
        rss, cpu, _ = measured(smtptls, p)
        times[n] = cpu
        check(rss < 48 * 1024, "multi-line reply of %d lines: peak RSS %d KiB" % (n, rss))
    a, b = sorted(times)
    check(times[b] < 8 * max(times[a], 0.02),
          "multi-line reply: %.2f s CPU for %d lines, %.2f s for %d (linear: about 4x)" %
          (times[a], a, times[b], b))
    p = os.path.join(tmp, "pipelined.pcap")
    synth.pipelined(100000, p)
    summary, recs, _ = run(smtptls, p)
    rss, _, _ = measured(smtptls, p)
    cap_hits = recs[0]["anomalies"].get("smtp-pipeline-cap", 0) if recs else 0
    check(cap_hits >= 100000 - 128 - 1000, "100000 pipelined commands: %d over the queue cap "
          "counted" % cap_hits)
    check(rss < 48 * 1024, "100000 pipelined commands: peak RSS %d KiB" % rss)

    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    if failures:
        print("\n".join("FAILED: " + f for f in failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
