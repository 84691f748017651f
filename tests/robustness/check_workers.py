#!/usr/bin/env python3
"""--workers N reports exactly what one worker reports (issue 13), live: the
captures of pcaps/ (mixed, the findings ones, starttls-retry, and the edited
ones: fragments, tunnels, QinQ, gaps, mid-stream starts...) replayed with
tcpreplay into a veth pair inside a network namespace, captured on the other
end by smtptls with one plain handle, --workers 1, 2 and 3.

With --workers, the kernel's fanout reassembles IPv4 fragments before
smtptls sees them (PACKET_FANOUT_FLAG_DEFRAG), so against the plain handle
only the packet counts differ; between worker counts everything is the same:
the summary (but for the kernel's drop counters and the held-bytes peak, a
per-worker high-water mark) and every session record, in the same order.
Each run must see no drop, or the comparison would say nothing.
Skips (77) without root, ip netns or tcpreplay.

usage: check_workers.py SMTPTLS PCAPS_DIR
"""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402

SETTLE = 7.0  # after the replay: every closed session's 5 s linger has passed

failures = []


def check(ok, what, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        failures.append(what)


def untimed(rec):
    """A record without the times of this replay."""
    for key in ("start", "end", "duration"):
        rec.pop(key, None)
    (rec.get("finding_details") or {}).pop("fallback_after", None)
    return rec


def capture(smtptls, pair, pcaps, args, work, name):
    path = os.path.join(work, name + ".jsonl")
    p = pair.popen(pair.a, [smtptls, "-i", "vb", "--json", "--sessions", path] + args,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    rp = pair.run(pair.a, ["tcpreplay", "-q", "-t", "-i", "va"] + pcaps, capture_output=True,
                  text=True)
    if rp.returncode != 0:
        check(False, "tcpreplay", rp.stderr[-300:])
    time.sleep(SETTLE)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    try:
        summary = json.loads(out)
    except ValueError:
        check(False, "%s: a summary" % name, "exit %d: %s" % (p.returncode, err[-300:]))
        return None, []
    with open(path) as f:
        recs = [untimed(json.loads(line)) for line in f]
    cap = summary["capture"]
    check(p.returncode == 0 and cap["kernel_drops"] == 0 and cap["interface_drops"] == 0,
          "%s: %d sessions, no drop" % (name, summary["sessions"]["total"]),
          "exit %d, drops %s/%s" % (p.returncode, cap["kernel_drops"], cap["interface_drops"]))
    return summary, recs


# The summary's times of this replay: when it ran, and the bins they fall in.
REPLAY_TIMES = ("first", "last", "timeline")


def without(summary, keys, capture_keys):
    s = {k: v for k, v in summary.items() if k not in keys and k not in REPLAY_TIMES}
    if "capture" in s:
        s["capture"] = {k: v for k, v in s["capture"].items() if k not in capture_keys}
    return s


def diff(a, b):
    keys = sorted(set(a) | set(b))
    return ["%s: %s | %s" % (k, str(a.get(k))[:150], str(b.get(k))[:150])
            for k in keys if a.get(k) != b.get(k)]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    smtptls, pcaps_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    netns.skip_unless_usable(need=("tcpreplay",))
    pcaps = [os.path.join(pcaps_dir, "mixed.pcap"), os.path.join(pcaps_dir, "starttls-retry.pcap")]
    pcaps += sorted(glob.glob(os.path.join(pcaps_dir, "findings-*.pcap")))
    # The edited captures are copies of a few sessions: those whose four-tuple
    # no other replayed capture has (one worker would join the copies in one
    # flow, while a tunnelled copy, hashed by its outer header, reaches
    # another worker). sll2 is left out: tcpreplay sends Ethernet frames.
    pcaps += [os.path.join(pcaps_dir, "edited", n + ".pcap")
              for n in ("ipv4-frag", "vxlan", "gap-smtp", "seq-wrap")]
    work = tempfile.mkdtemp(prefix="smtptls-workers-")
    # Loopback captures carry 64 KB segments: a veth with the largest MTU takes them.
    pair = netns.Pair("workers", one=True, mtu=65535)
    runs = {}
    try:
        for name, args in (("plain", []), ("workers-1", ["--workers", "1"]),
                           ("workers-2", ["--workers", "2"]), ("workers-3", ["--workers", "3"])):
            runs[name] = capture(smtptls, pair, pcaps, args, work, name)
    finally:
        pair.close()
        subprocess.run(["rm", "-rf", work])
    if any(s is None for s, _ in runs.values()):
        return 1
    one, one_recs = runs["workers-1"]
    per_worker = ("kernel_drops", "interface_drops", "held_bytes_peak")
    for name in ("workers-2", "workers-3"):
        s, recs = runs[name]
        d = diff(without(one, (), per_worker), without(s, (), per_worker))
        check(not d, "%s: the same summary as --workers 1" % name, "; ".join(d))
        first = next((i for i, (a, b) in enumerate(zip(recs, one_recs)) if a != b), None)
        check(recs == one_recs, "%s: the same %d records in the same order (times aside)"
              % (name, len(recs)), "%d records vs %d, first difference at %s: %s" %
              (len(recs), len(one_recs), first,
               first is not None and diff(recs[first], one_recs[first])))
    plain, plain_recs = runs["plain"]
    d = diff(without(plain, ("packets", "bytes", "capture"), ()),
             without(one, ("packets", "bytes", "capture"), ()))
    d += [] if plain_recs == one_recs else ["the records differ"]
    check(not d,
          "--workers 1 and the plain handle: the same sessions (packets count fragments apart)",
          "; ".join(d))
    check(one["capture"]["fragments"] < plain["capture"]["fragments"],
          "with --workers the kernel reassembled the IPv4 fragments",
          "%d vs %d" % (one["capture"]["fragments"], plain["capture"]["fragments"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
