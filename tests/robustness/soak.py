#!/usr/bin/env python3
"""The sensor left running (issue 10's soak): smtptls -i on one end of a veth
pair in a network namespace, tcpreplay looping real captures into the other
end for a set time, the output files rotated midway, then checked.

Traffic: the IPv4 captures of pcaps/ (gateway, domains, probes) looped with
tcpreplay --unique-ip, which gives every loop new addresses: each loop is new
sessions, so the run must report exactly LOOPS times what one read of the
captures reports, mode by mode.

Rotations, as logrotate does them:
  - at a third of the time, the "create" way: the sessions and statistics files
    moved aside (mv) and SIGHUP, after which smtptls writes new files;
  - at two thirds, the "copytruncate" way: copied, then truncated in place.
    Records written between the copy and the truncation would be lost by the
    method itself (logrotate's own caveat), so tcpreplay is stopped (SIGSTOP)
    for a quiet spell first, in which every finished session is written; the
    spell also shows the clock moving without packets.

Checked: every line of every file is one whole JSON object (no NUL, no split);
no session twice (Community ID and start); records across the files ==
sessions in the final summary == LOOPS x one read, mode by mode; no kernel or
interface drop; packets == what tcpreplay sent; statistics lines came every
interval, during the quiet spell too, their last cumulative count equals the
summary, and the moved statistics file ends with a whole line; the metrics
file was rewritten during the run and its session series sum to the total;
resident memory (from the statistics lines) flat after warm-up: the largest
after the first third exceeds the largest of the first third by less than
LIMIT (4 MiB).

Skips (77) without root, ip netns or tcpreplay.

usage: soak.py SMTPTLS PCAPS_DIR [--seconds N] [--mbps R] [--interval S]
"""
import argparse
import calendar
import json
import os
import pwd
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402

CAPTURES = ["gateway", "domains", "probes"]
LINGER = 5.0          # smtptls writes a closed session after this much quiet
SETTLE = LINGER + 3.0 # after the replay, before SIGTERM
RSS_GROWTH_LIMIT = 4 << 20

failures = []


def check(ok, what, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        failures.append(what)


def one_read(smtptls, files):
    p = subprocess.run([smtptls, "-q", "--json"] + sum((["-r", f] for f in files), []),
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["sessions"]


def whole_lines(path):
    """Each line of the file as a JSON object, read as it streams; a failure
    for a line that is not one, for a NUL byte, or for a last line cut short."""
    name = os.path.basename(path)
    last = b"\n"
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            last = line
            try:
                if b"\0" in line:
                    raise ValueError("a NUL byte")
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
            except ValueError as e:
                check(False, "%s:%d is one JSON object" % (name, n), str(e))
                continue
            yield obj
    check(last.endswith(b"\n"), "%s ends with a whole line" % name)


def metrics_sessions(path):
    total = 0
    with open(path) as f:
        for line in f:
            if line.startswith("smtptls_sessions_total{"):
                total += int(float(line.split()[-1]))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("smtptls")
    ap.add_argument("pcaps")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--mbps", type=float, default=30)
    ap.add_argument("--interval", type=int, default=2)
    args = ap.parse_args()
    smtptls = os.path.abspath(args.smtptls)
    netns.skip_unless_usable(need=("tcpreplay",))
    files = [os.path.join(os.path.abspath(args.pcaps), c + ".pcap") for c in CAPTURES]
    # The quiet spell before the copytruncate: every finished session written,
    # and at least two statistics intervals without a packet.
    quiet = max(LINGER + 4.0, 2 * args.interval + 1.0)
    per_loop = one_read(smtptls, files)
    loop_bits = 8 * sum(os.path.getsize(f) for f in files)
    replay_s = max(args.seconds - quiet - SETTLE - 2, 10)
    loops = max(3, int(replay_s * args.mbps * 1e6 / loop_bits))

    work = tempfile.mkdtemp(prefix="smtptls-soak.")
    # Started as root, smtptls drops to nobody: after a rotation it creates the
    # new files as nobody, in a directory nobody may write to (as the service's
    # log directory belongs to its user).
    os.chown(work, pwd.getpwnam("nobody").pw_uid, -1)
    sessions, stats, prom = (os.path.join(work, n) for n in
                             ("sessions.jsonl", "stats.jsonl", "smtptls.prom"))
    pair = netns.Pair("soak", one=True, mtu=65535)
    t0 = time.time()
    try:
        p = pair.popen(pair.a, [smtptls, "-i", "vb", "--json", "--sessions", sessions,
                                "--stats", stats, "--stats-interval", str(args.interval),
                                "--metrics", prom],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        # Two replays: the first (two thirds of the loops) with the "create"
        # rotation half-way through it, the quiet spell and the copytruncate
        # between them, the second after it. (Stopping tcpreplay instead would
        # make it burst to catch up on its rate.)
        first_loops = max(2, loops * 2 // 3)
        metrics_seen = set()

        def sample_until(t):
            while time.time() < t:
                try:
                    with open(prom) as f:
                        metrics_seen.add(f.read())
                except OSError:
                    pass
                time.sleep(0.5)

        def replay(n):
            return pair.popen(pair.a, ["tcpreplay", "-q", "-i", "va", "--mbps", str(args.mbps),
                                       "--loop", str(n), "--unique-ip"] + files,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        start = time.time()
        first = replay(first_loops)
        sample_until(start + replay_s / 3)
        os.rename(sessions, sessions + ".1")
        os.rename(stats, stats + ".1")
        p.send_signal(signal.SIGHUP)
        while first.poll() is None:
            sample_until(time.time() + 0.5)
        r_out, r_err = first.communicate()
        quiet_from = time.time()
        time.sleep(quiet)
        quiet_to = time.time()
        if not os.path.exists(sessions):
            p.kill()
            print(p.communicate()[1][-800:])
        with open(sessions, "rb") as src, open(sessions + ".2", "wb") as dst:
            dst.write(src.read())
        os.truncate(sessions, 0)
        second = replay(loops - first_loops)
        while second.poll() is None:
            sample_until(time.time() + 0.5)
        out2, err2 = second.communicate()
        r_out += out2
        r_err += err2
        rc = first.returncode or second.returncode
        time.sleep(SETTLE)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    finally:
        pair.close()
    elapsed = time.time() - t0

    check(rc == 0, "tcpreplay looped %d times (%d, quiet, %d)"
          % (loops, first_loops, loops - first_loops), r_err[-300:])
    sent = 0
    for line in r_out.splitlines():
        if line.strip().startswith("Actual:"):
            sent += int(line.split()[1])
    try:
        summary = json.loads(out)
    except ValueError:
        check(False, "a final summary", "exit %d: %s" % (p.returncode, err[-500:]))
        return 1
    check(p.returncode == 0, "smtptls exits 0", "exit %d: %s" % (p.returncode, err[-300:]))
    cap = summary["capture"]
    check(cap["kernel_drops"] == 0 and cap["interface_drops"] == 0,
          "no drop", "kernel %s, interface %s" % (cap["kernel_drops"], cap["interface_drops"]))
    check(sent is not None and summary["packets"] == sent,
          "smtptls saw every packet sent (%s)" % sent, "saw %d" % summary["packets"])
    want = {k: v * loops for k, v in per_loop.items()}
    check(summary["sessions"] == want, "%d sessions = %d loops x %d, mode by mode"
          % (want["total"], loops, per_loop["total"]), "got %s" % summary["sessions"])

    parts = [sessions + ".1", sessions + ".2", sessions]
    counts, keys, by_mode = [], set(), {}
    for path in parts:
        n = 0
        for r in whole_lines(path):
            n += 1
            keys.add((r["community_id"], r["start"]))
            mode = r["mode"].replace("-", "_")
            by_mode[mode] = by_mode.get(mode, 0) + 1
        counts.append(n)
    total = summary["sessions"]["total"]
    check(sum(counts) == total, "records in the three files (%s) = sessions in the summary"
          % " + ".join(map(str, counts)), "%d records" % sum(counts))
    check(all(counts), "each rotated file holds records")
    check(len(keys) == sum(counts), "no session twice",
          "%d repeated" % (sum(counts) - len(keys)))
    check(all(by_mode.get(k, 0) == v for k, v in summary["sessions"].items() if k != "total"),
          "the records' modes add up to the summary's")

    before, after = list(whole_lines(stats + ".1")), list(whole_lines(stats))
    lines = before + after
    check(len(before) > 0 and len(after) > 0,
          "SIGHUP reopened the statistics file: lines in the old one and in the new one")
    check(bool(lines) and lines[-1]["final"] and
          lines[-1]["total"]["sessions"] == summary["sessions"],
          "the last statistics line is final and its cumulative sessions = the summary")
    times = [calendar.timegm(time.strptime(l["time"][:19], "%Y-%m-%dT%H:%M:%S")) for l in lines]
    in_quiet = [t for t in times if quiet_from + 1 <= t <= quiet_to]
    check(len(in_quiet) >= 2, "statistics lines while the link was quiet (%d in %.0f s)"
          % (len(in_quiet), quiet_to - quiet_from))
    gaps = [b - a for a, b in zip(times, times[1:-1])]
    check(not gaps or max(gaps) <= args.interval + 1,
          "a statistics line every %d s" % args.interval, "largest gap %.1f s" % max(gaps or [0]))
    rss = [l["resident_memory_bytes"] for l in lines if l.get("resident_memory_bytes")]
    third = max(1, len(rss) // 3)
    warm, later = max(rss[:third]), max(rss[third:] or rss)
    tail = rss[-third:]
    # Flat: little growth after the first third; or, on a long run whose every
    # loop brings new server addresses, the capped tables (LIMIT_SERVERS,
    # LIMIT_FALLBACK_PAIRS) full and the last third flat.
    capped = len(rss) >= 30 and max(tail) - min(tail) < (1 << 20)
    if "ASAN_OPTIONS" in os.environ:
        # AddressSanitizer keeps freed memory in its quarantine (256 MiB by
        # default) and grows its shadow with it: flatness is judged in the
        # plain build, everything else here holds under the sanitizers too.
        print("skip resident memory under AddressSanitizer (%.1f MiB then %.1f MiB)"
              % (warm / 2**20, later / 2**20))
    else:
        check(later - warm < RSS_GROWTH_LIMIT or capped, "resident memory flat after warm-up%s"
              % (" (tables at their caps)" if later - warm >= RSS_GROWTH_LIMIT else ""),
              "%.1f MiB then %.1f MiB" % (warm / 2**20, later / 2**20))
    check(len(metrics_seen) >= 3, "the metrics file was rewritten during the run (%d versions)"
          % len(metrics_seen))
    check(metrics_sessions(prom) == summary["sessions"]["total"],
          "the final metrics' sessions = the summary's")

    mib = lambda b: "%.1f" % (b / 2**20)  # noqa: E731
    print("soak: %.0f s, %d loops at %g Mbit/s, %d packets, %d sessions, 2 rotations "
          "(mv+SIGHUP, copytruncate), drops %d/%d, RSS first %s MiB, after warm-up %s, "
          "max %s, last %s, %d statistics lines"
          % (elapsed, loops, args.mbps, summary["packets"], summary["sessions"]["total"],
             cap["kernel_drops"], cap["interface_drops"], mib(rss[0]), mib(warm), mib(max(rss)),
             mib(rss[-1]), len(lines)))
    print("RSS MiB by statistics line: " + " ".join(mib(r) for r in rss))
    if failures:
        print("%d failures; files kept in %s" % (len(failures), work))
        return 1
    subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    sys.exit(main())
