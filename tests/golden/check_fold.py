#!/usr/bin/env python3
"""--from-sessions: records of N runs folded equal one run over the N captures.

For each group of real captures in pcaps/ (the three sensors of a fleet, as it
were), each capture is read by its own run with --sessions and a sensor name
of its own; the records are then folded, and the fold's summary must equal the
summary of one run over all the captures, key for key, except what records do
not carry (packets, bytes, capture: null in a fold) and what names the inputs
(inputs, sensor, records). The same for the text report's sections between the
header and the counters, and for the --metrics file's session series.

Then, on the records of one group:
  - compressed record files (gzip, xz, zstd) and standard input fold the same;
  - bad lines (cut short, not JSON, not an object, a key missing, a value out of
    range, too long) are each told on stderr with file:line and counted, the
    exit status is 4, and the rest is reported as if they were not there; a
    record with a key this version does not know is taken and counted;
  - the filters: --since/--until split the sessions at a time with nothing lost
    or counted twice; --sensor takes one sensor's records; --server and
    --direction take what a count over the records says;
  - the progress line shows on a terminal (a pty) and not with -q.

usage: check_fold.py SMTPTLS PCAPS_DIR"""
import datetime
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

GROUPS = [
    (["mixed", "gateway", "domains"], []),
    (["findings-stripped", "findings-injection", "findings-fallback", "findings-cert"], []),
    (["gateway", "probes", "hours"], ["--home-net", "198.51.100.0/24"]),
]
NOT_IN_RECORDS = {"packets", "bytes", "capture", "records", "inputs", "sensor"}
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(cmd, ok=(0,), stdin=None, input_bytes=None):
    p = subprocess.run(cmd, capture_output=True, stdin=stdin, input=input_bytes)
    if p.returncode not in ok:
        fail("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.decode()[-800:]))
    return p


def diff(a, b, path=""):
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s only on one side" % (path, k))
            else:
                out += diff(a[k], b[k], path + "." + k)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s[%d]" % (path, i))
    elif a != b:
        out.append("%s: %s != %s" % (path, str(a)[:80], str(b)[:80]))
    return out


def comparable(summary):
    return {k: v for k, v in summary.items() if k not in NOT_IN_RECORDS}


def text_body(text):
    """The text report between its header and its counters section."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l == "Sessions")
    end = next(i for i, l in enumerate(lines) if l in ("Capture", "Records")
               or l.startswith("Records ("))
    return lines[start:end]


def session_series(prom):
    keep = ("smtptls_sessions", "smtptls_encrypted", "smtptls_findings", "smtptls_leak",
            "smtptls_cipher", "smtptls_starttls")
    return sorted(l for l in prom.splitlines() if l.startswith(keep))


def group(smtptls, pcaps, names, extra, work):
    files = []
    for i, n in enumerate(names):
        rec = os.path.join(work, n + ".jsonl")
        run([smtptls, "-r", os.path.join(pcaps, n + ".pcap"), "--sensor", "gw%d" % i,
             "--sessions", rec, "-q"] + extra)
        files.append(rec)
    caps = []
    for n in names:
        caps += ["-r", os.path.join(pcaps, n + ".pcap")]
    one_prom, fold_prom = os.path.join(work, "one.prom"), os.path.join(work, "fold.prom")
    one = run([smtptls] + caps + ["--json", "--metrics", one_prom] + extra)
    fold = run([smtptls, "--from-sessions", "--json", "--metrics", fold_prom] + extra + files)
    a, b = json.loads(one.stdout), json.loads(fold.stdout)
    for d in diff(comparable(a), comparable(b)):
        fail("%s: fold != one run: %s" % ("+".join(names), d))
    if b["packets"] is not None or b["capture"] is not None or a["records"] is not None:
        fail("%s: a fold's packets and capture are null, a run's records null" % names)
    r = b["records"]
    if r["taken"] != a["sessions"]["total"] or r["bad"] or r["files"] != len(names):
        fail("%s: records object %s" % (names, r))
    if b["sensor"] != ",".join(sorted("gw%d" % i for i in range(len(names)))):
        fail("%s: the fold's sensor is %r" % (names, b["sensor"]))
    t1 = run([smtptls] + caps + extra).stdout.decode()
    t2 = run([smtptls, "--from-sessions"] + extra + files).stdout.decode()
    if text_body(t1) != text_body(t2):
        fail("%s: the text reports differ" % names)
    with open(one_prom) as f1, open(fold_prom) as f2:
        s1, s2 = session_series(f1.read()), session_series(f2.read())
    if not s1 or s1 != s2:
        fail("%s: the metrics' session series differ" % names)
    print("ok: %s folded = one run (%d sessions, %d encrypted)"
          % ("+".join(names), a["sessions"]["total"], a["encrypted"]))
    return files, a


def check_compressed(smtptls, files, want, work):
    for tool, ext in (("gzip", ".gz"), ("xz", ".xz"), ("zstd", ".zst")):
        if not shutil.which(tool):
            print("skip: %s not installed" % tool)
            continue
        packed = []
        for f in files:
            subprocess.run([tool, "-k", "-f", "-q", f], check=True)
            packed.append(f + ext)
        b = json.loads(run([smtptls, "--from-sessions", "--json"] + packed).stdout)
        if diff(comparable(want), comparable(b)):
            fail("%s records fold differently" % tool)
    with open(files[0], "rb") as f:
        b = json.loads(run([smtptls, "--from-sessions", "--json", "-"] + files[1:],
                           stdin=f).stdout)
    if diff(comparable(want), comparable(b)):
        fail("standard input folds differently")
    print("ok: gzip, xz, zstd and standard input fold the same")


def check_bad(smtptls, files, want, work):
    with open(files[0]) as f:
        good = f.read().splitlines()
    first = json.loads(good[0])
    missing = dict(first)
    del missing["start"]
    out_of_range = dict(first)
    out_of_range["server_port"] = 70000
    unknown = dict(first)
    unknown["from_the_future"] = {"x": 1}
    bad = [
        ("not JSON", "{\"start\": "),
        ("not an object", "[1, 2, 3]"),
        ("missing", json.dumps(missing)),
        ("out of range", json.dumps(out_of_range)),
        ("too long", "{\"x\": \"" + "a" * (1 << 21) + "\"}"),
    ]
    lines = [json.dumps(unknown)] + good[1:]  # taken, the first record as it was
    told = {}
    for kind, line in bad:
        lines.append(line)
        told[kind] = len(lines)
    damaged = os.path.join(work, "damaged.jsonl")
    with open(damaged, "w") as f:
        f.write("\n".join(lines) + "\n" + good[0][:200])  # a last line cut short
    p = run([smtptls, "--from-sessions", "--json", damaged] + files[1:], ok=(4,))
    err = p.stderr.decode()
    for kind, n in told.items():
        if "%s:%d:" % (damaged, n) not in err:
            fail("bad line %d (%s) not told with file:line: %s" % (n, kind, err[-600:]))
    if "%s:%d:" % (damaged, len(lines) + 1) not in err or "cut short" not in err:
        fail("the cut last line is not told")
    if "from_the_future" not in err:
        fail("the unknown key is not named")
    b = json.loads(p.stdout)
    r = b["records"]
    if (r["bad"], r["not_json"], r["not_record"], r["too_long"], r["unknown_keys"]) != \
            (6, 2, 3, 1, 1) or r["complete"]:
        fail("bad lines counted as %s" % r)
    if diff(comparable(want), comparable(b)):
        fail("the good records around bad lines fold differently")
    print("ok: bad lines told with file:line, counted, status 4, the rest reported")


def utc(us):
    return datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc)


def check_filters(smtptls, files, work, home):
    records = []
    for i, f in enumerate(files):
        with open(f) as fh:
            records += [(i, json.loads(l)) for l in fh]
    total = len(records)

    def fold(*opts):
        return json.loads(run([smtptls, "--from-sessions", "--json"] + list(opts)
                              + files).stdout)["sessions"]["total"]

    starts = sorted(r["start"] for _, r in records)
    cut = starts[len(starts) // 2]
    before, after = fold("--until", cut), fold("--since", cut)
    want_before = sum(1 for s in starts if s < cut)
    if before + after != total or before != want_before:
        fail("--until/--since %s: %d + %d of %d (want %d before)"
             % (cut, before, after, total, want_before))
    secs = str(int(datetime.datetime.fromisoformat(cut.replace("Z", "+00:00")).timestamp()))
    if fold("--since", secs) < after:
        fail("--since in Unix seconds takes fewer than the ISO time a fraction later")
    if fold("--sensor", "gw1") != sum(1 for i, _ in records if i == 1):
        fail("--sensor gw1")
    if fold("--sensor", "gw0", "--sensor", "gw2") != sum(1 for i, _ in records if i != 1):
        fail("--sensor twice")
    server = records[0][1]
    addr, port = server["server"], server["server_port"]
    shown = "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)
    want = sum(1 for _, r in records if r["server"] == addr and r["server_port"] == port)
    if fold("--server", shown) != want:
        fail("--server %s" % shown)
    if fold("--server", addr) != sum(1 for _, r in records if r["server"] == addr):
        fail("--server %s (any port)" % addr)
    for d in ("inbound", "outbound", "internal"):
        want = sum(1 for _, r in records if r["direction"] == d)
        if fold("--direction", d) != want:
            fail("--direction %s (as the records say)" % d)
        if fold("--direction", d, "--home-net", home) != want:
            fail("--direction %s with --home-net" % d)
    p = run([smtptls, "--from-sessions", "--since", "yesterday", files[0]], ok=(1,))
    if b"--since" not in p.stderr:
        fail("a bad --since is not a usage error naming it")
    p = run([smtptls, "-r", "x.pcap", "--since", "2026-01-01"], ok=(1,))
    print("ok: --since/--until split at %s (%d + %d), --sensor, --server, --direction"
          % (cut, before, after))


def check_progress(smtptls, path, cmd):
    """A slow pipe on standard input (records or a capture as they arrive):
    the line shows on a terminal, not with -q, and never on a pipe."""
    with open(path, "rb") as f:
        data = f.read()

    def feed(w):
        for i in range(0, len(data), max(1, len(data) // 12)):
            os.write(w, data[i:i + max(1, len(data) // 12)])
            time.sleep(0.1)
        os.close(w)

    def attempt(quiet, tty):
        r, w = os.pipe()
        t = threading.Thread(target=feed, args=(w,))
        t.start()
        if tty:
            master, slave = pty.openpty()
            p = subprocess.Popen([smtptls] + cmd + quiet,
                                 stdin=r, stdout=subprocess.DEVNULL, stderr=slave)
            os.close(slave)
            err = b""
            while True:
                ready, _, _ = select.select([master], [], [], 5)
                if not ready:
                    break
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                err += chunk
            p.wait()
            os.close(master)
        else:
            p = subprocess.run([smtptls] + cmd, stdin=r,
                               capture_output=True)
            err = p.stderr
        os.close(r)
        t.join()
        return err.decode(errors="replace")

    shown = attempt([], True)
    if "sessions" not in shown or "/s" not in shown:
        fail("no progress line on a terminal: %r" % shown[-200:])
    if attempt(["-q"], True).strip():
        fail("-q: a progress line all the same")
    if attempt([], False).strip():
        fail("a progress line on a pipe")
    print("ok: %s: progress on a terminal, not with -q, not on a pipe" % " ".join(cmd))


def main():
    smtptls, pcaps = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory() as work:
        results = []
        for i, (names, extra) in enumerate(GROUPS):
            d = os.path.join(work, "g%d" % i)
            os.mkdir(d)
            results.append(group(smtptls, pcaps, names, extra, d))
        files, want = results[0]
        check_compressed(smtptls, files, want, work)
        check_bad(smtptls, files, want, work)
        files, _ = results[2]
        check_filters(smtptls, files, work, GROUPS[2][1][1])
        check_progress(smtptls, results[0][0][0], ["--from-sessions", "--json", "-"])
        check_progress(smtptls, os.path.join(pcaps, "mixed.pcap"), ["-r", "-", "--json"])
    if failures:
        print("%d failures" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
